"""What a transaction's VAT comes to (shares, representation, the VAT as printed) and the plausibility checks."""
