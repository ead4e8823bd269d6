"""Sample statements the import tests write: Revolut Business CSVs, camt.053 statements (.02 and .08) and bank CSVs.

Written here from the formats' public descriptions (reference/input-formats.md); no file is copied from elsewhere.
"""

from __future__ import annotations

from pathlib import Path

REVOLUT_HEADER = ("Date started (UTC),Date completed (UTC),ID,Type,State,Description,Reference,Payer,Card number,"
                  "Orig currency,Orig amount,Payment currency,Amount,Fee,Balance,Account")

#: One row per kind: a card payment in USD with a fee, a refund, a fee, a transfer, an exchange, a row in EUR, a
#: pending one.
REVOLUT_ROWS = {
    "payment": "2026-09-01,2026-09-02,r-pay,CARD_PAYMENT,COMPLETED,GitHub,,Anna Lind,4321****1234,USD,-10.00,SEK,"
               "-105.20,-1.50,1000,Main",
    "refund": "2026-09-03,2026-09-03,r-refund,CARD_REFUND,COMPLETED,Clas Ohlson,,Anna Lind,4321****1234,SEK,50.00,SEK,"
              "50.00,0,1050,Main",
    "fee": "2026-09-04,2026-09-04,r-fee,FEE,COMPLETED,Grow plan fee,,,,SEK,-99.00,SEK,-99.00,0,951,Main",
    "transfer": "2026-09-05,2026-09-05,r-transfer,TRANSFER,COMPLETED,To Swedbank,,,,SEK,-500,SEK,-500,0,451,Main",
    "exchange": "2026-09-05,2026-09-05,r-exchange,EXCHANGE,COMPLETED,Exchanged to EUR,,,,SEK,-100,SEK,-100,0,351,Main",
    "euro": "2026-09-06,2026-09-06,r-euro,CARD_PAYMENT,COMPLETED,Hotel Paris,,Anna Lind,4321,EUR,-80,EUR,-80,0,0,EUR",
    "pending": "2026-09-07,,r-pending,CARD_PAYMENT,PENDING,Espresso House,,Anna Lind,4321,SEK,-45,SEK,-45,0,0,Main",
}  # fmt: skip


def revolut(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([REVOLUT_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def revolut_card_row(n: int, day: str = "2026-09-10") -> str:
    return (f"{day},{day},r-{n},CARD_PAYMENT,COMPLETED,Merchant {n % 7},,Anna Lind,4321,SEK,-{n}.50,SEK,-{n}.50,0,0,"
            "Main")


def camt_entry(version: int, *, ref: str | None, amount: str, credit: bool = False, status: str = "BOOK",
               day: str = "2026-09-02", name: str = "ICA Maxi", text: str = "", instructed: tuple[str, str] | None = None
               ) -> str:
    sts = f"<Sts><Cd>{status}</Cd></Sts>" if version >= 8 else f"<Sts>{status}</Sts>"
    party = "Dbtr" if credit else "Cdtr"
    named = f"<{party}><Pty><Nm>{name}</Nm></Pty></{party}>" if version >= 8 else f"<{party}><Nm>{name}</Nm></{party}>"
    inst = (f"<AmtDtls><InstdAmt><Amt Ccy=\"{instructed[1]}\">{instructed[0]}</Amt></InstdAmt></AmtDtls>"
            if instructed else "")
    reference = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    return (f"<Ntry><Amt Ccy=\"SEK\">{amount}</Amt><CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd>{sts}"
            f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>{reference}"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>CCRD</Cd><SubFmlyCd>POSD</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls>{inst}<RltdPties>{named if name else ''}</RltdPties>"
            f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")


def camt(path: Path, version: int, entries: list[str]) -> Path:
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}"
    body = "\n".join(entries)
    path.write_text(f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"{ns}\">\n<BkToCstmrStmt>"
                    "<GrpHdr><MsgId>1</MsgId><CreDtTm>2026-10-01T08:00:00</CreDtTm></GrpHdr>\n<Stmt><Id>s1</Id>"
                    f"<Acct><Id><IBAN>SE4550000000058398257466</IBAN></Id></Acct>\n{body}\n</Stmt></BkToCstmrStmt>"
                    "</Document>\n", encoding="utf-8")
    return path


def camt_sample(version: int) -> list[str]:
    """Booked debit, booked debit in USD, booked credit, pending."""
    return [
        camt_entry(version, ref="B1", amount="120.50", name="ICA Maxi"),
        camt_entry(version, ref="B2", amount="1055.00", name="", text="AMAZON WEB SERVICES", instructed=("100.00", "USD")),
        camt_entry(version, ref="B3", amount="200.00", credit=True, name="Clas Ohlson AB"),
        camt_entry(version, ref="B4", amount="45.00", status="PDNG", name="Espresso House"),
    ]  # fmt: skip


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path
