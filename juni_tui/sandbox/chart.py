"""The sandbox company's chart of accounts: BAS names, VAT codes, SRU codes, and which accounts are inactive or
demand a cost center or project."""

from __future__ import annotations

from dataclasses import dataclass

# --- Chart of accounts -----------------------------------------------------------------------------------
# BAS 2026 names (2614/2624/2634: every reverse charge; 2615/2625/2635: import of goods).
# The VAT codes follow what the app maps (the real Fortnox list is unconfirmed, §7):
# I = deductible 25 % input VAT, I12 / I6 = 12 % / 6 % input VAT, MF = exempt or outside the scope,
# ITEU / ITGLOB = services bought from the EU / outside the EU, IVEU = goods bought from the EU,
# MP1/MP2/MP3 = sales at 25/12/6 %, "" = VAT and balance accounts and everything without VAT.
_CHART = """
1010 Utvecklingsutgifter
1019 Ackumulerade avskrivningar på utvecklingsutgifter
1030 Patent
1039 Ackumulerade avskrivningar på patent
1050 Licenser
1059 Ackumulerade avskrivningar på licenser
1070 Goodwill
1079 Ackumulerade avskrivningar på goodwill
1110 Byggnader
1119 Ackumulerade avskrivningar på byggnader
1150 Markanläggningar
1210 Maskiner och andra tekniska anläggningar
1219 Ackumulerade avskrivningar på maskiner och andra tekniska anläggningar
1220 Inventarier och verktyg
1229 Ackumulerade avskrivningar på inventarier och verktyg
1240 Bilar och andra transportmedel
1249 Ackumulerade avskrivningar på bilar och andra transportmedel
1250 Datorer
1259 Ackumulerade avskrivningar på datorer
1290 Övriga materiella anläggningstillgångar
1310 Andelar i koncernföretag
1350 Andelar och värdepapper i andra företag
1380 Andra långfristiga fordringar
1385 Värde av kapitalförsäkring
1460 Lager av handelsvaror
1470 Pågående arbeten
1480 Förskott för varor och tjänster
1510 Kundfordringar
1515 Osäkra kundfordringar
1519 Nedskrivning av kundfordringar
1610 Kortfristiga fordringar hos anställda
1611 Reseförskott
1613 Övriga förskott
1614 Tillfälliga lån till anställda
1620 Upparbetad men ej fakturerad intäkt
1630 Avräkning för skatter och avgifter (skattekonto)
1640 Skattefordringar
1650 Momsfordran
1680 Andra kortfristiga fordringar
1681 Utlägg för kunder
1682 Kortfristiga lånefordringar
1684 Kortfristiga fordringar hos leverantörer
1685 Kortfristiga fordringar hos delägare eller närstående
1690 Fordringar för tecknat men ej inbetalt aktiekapital
1710 Förutbetalda hyreskostnader
1720 Förutbetalda leasingavgifter
1730 Förutbetalda försäkringspremier
1740 Förutbetalda räntekostnader
1750 Upplupna hyresintäkter
1760 Upplupna ränteintäkter
1790 Övriga förutbetalda kostnader och upplupna intäkter
1810 Andelar i börsnoterade företag
1820 Obligationer
1880 Andra kortfristiga placeringar
1910 Kassa
1920 PlusGiro
1930 Företagskonto/checkkonto/affärskonto
1940 Övriga bankkonton
1950 Bankcertifikat
1960 Koncernkonto moderföretag
2081 Aktiekapital
2082 Ej registrerat aktiekapital
2085 Uppskrivningsfond
2086 Reservfond
2090 Fritt eget kapital
2091 Balanserad vinst eller förlust
2093 Erhållna aktieägartillskott
2097 Överkursfond
2098 Vinst eller förlust från föregående år
2099 Årets resultat
2110 Periodiseringsfonder
2124 Periodiseringsfond 2024
2125 Periodiseringsfond 2025
2150 Ackumulerade överavskrivningar
2153 Ackumulerade överavskrivningar på inventarier och verktyg
2210 Avsättningar för pensioner enligt tryggandelagen
2220 Avsättningar för garantier
2250 Övriga avsättningar för skatter
2290 Övriga avsättningar
2330 Checkräkningskredit
2350 Andra långfristiga skulder till kreditinstitut
2390 Övriga långfristiga skulder
2393 Lån från närstående personer, långfristig del
2410 Andra kortfristiga låneskulder till kreditinstitut
2417 Kortfristig del av långfristiga skulder till kreditinstitut
2420 Förskott från kunder
2440 Leverantörsskulder
2510 Skatteskulder
2512 Beräknad inkomstskatt
2514 Beräknad särskild löneskatt på pensionskostnader
2518 Betald F-skatt
2610 Utgående moms, 25 %
2611 Utgående moms på försäljning inom Sverige, 25 %
2612 Utgående moms på egna uttag, 25 %
2614 Utgående moms omvänd betalningsskyldighet, 25 %
2615 Utgående moms import av varor, 25 %
2617 Utgående moms omvänd skattskyldighet i Sverige, 25 %
2618 Vilande utgående moms, 25 %
2620 Utgående moms, 12 %
2621 Utgående moms på försäljning inom Sverige, 12 %
2624 Utgående moms omvänd betalningsskyldighet, 12 %
2625 Utgående moms import av varor, 12 %
2630 Utgående moms, 6 %
2631 Utgående moms på försäljning inom Sverige, 6 %
2634 Utgående moms omvänd betalningsskyldighet, 6 %
2635 Utgående moms import av varor, 6 %
2640 Ingående moms
2641 Debiterad ingående moms
2645 Beräknad ingående moms på förvärv från utlandet
2647 Ingående moms omvänd skattskyldighet varor och tjänster i Sverige
2650 Redovisningskonto för moms
2660 Särskilda punktskatter
2710 Personalskatt
2730 Lagstadgade sociala avgifter och särskild löneskatt
2731 Avräkning lagstadgade sociala avgifter
2732 Avräkning särskild löneskatt
2790 Övriga löneavdrag
2810 Avräkning för factoringavtal
2820 Kortfristiga skulder till anställda
2821 Löneskulder
2822 Reseräkningar
2823 Tantiem, gratifikationer
2830 Avräkning för annans räkning
2840 Kortfristiga låneskulder
2850 Avräkning för skatter och avgifter (skattekonto)
2890 Övriga kortfristiga skulder
2893 Skulder till närstående personer, kortfristig del
2898 Outtagen vinstutdelning
2910 Upplupna löner
2920 Upplupna semesterlöner
2940 Upplupna lagstadgade sociala och andra avgifter
2941 Beräknade upplupna lagstadgade sociala avgifter
2950 Upplupna avtalade sociala avgifter
2960 Upplupna räntekostnader
2970 Förutbetalda intäkter
2990 Övriga upplupna kostnader och förutbetalda intäkter
2991 Övriga upplupna kostnader
3001 Försäljning inom Sverige, 25 % moms
3002 Försäljning inom Sverige, 12 % moms
3003 Försäljning inom Sverige, 6 % moms
3004 Försäljning inom Sverige, momsfri
3041 Försäljning tjänster inom Sverige, 25 % moms
3042 Försäljning tjänster inom Sverige, 12 % moms
3043 Försäljning tjänster inom Sverige, 6 % moms
3044 Försäljning tjänster inom Sverige, momsfri
3105 Försäljning varor till land utanför EU
3106 Försäljning varor till annat EU-land, momsfri
3305 Försäljning tjänster till land utanför EU
3308 Försäljning tjänster till annat EU-land
3510 Fakturerade emballage
3520 Fakturerade frakter
3540 Faktureringsavgifter
3590 Övriga fakturerade kostnader
3610 Försäljning av material
3731 Lämnade kassarabatter
3732 Lämnade mängdrabatter
3740 Öres- och kronutjämning
3900 Övriga rörelseintäkter
3911 Hyresintäkter
3960 Valutakursvinster på fordringar och skulder av rörelsekaraktär
3973 Vinst vid avyttring av maskiner och inventarier
3990 Övriga ersättningar och intäkter
4000 Inköp av varor från Sverige
4010 Inköp material och varor
4200 Sålda handelsvaror
4400 Momspliktiga inköp i Sverige
4500 Övriga momspliktiga inköp
4515 Inköp av varor från annat EU-land, 25 %
4516 Inköp av varor från annat EU-land, 12 %
4517 Inköp av varor från annat EU-land, 6 %
4531 Inköp av tjänster från ett land utanför EU, 25 %
4532 Inköp av tjänster från ett land utanför EU, 12 %
4533 Inköp av tjänster från ett land utanför EU, 6 %
4535 Inköp av tjänster från annat EU-land, 25 %
4536 Inköp av tjänster från annat EU-land, 12 %
4537 Inköp av tjänster från annat EU-land, 6 %
4545 Import av varor, 25 %
4546 Import av varor, 12 %
4547 Import av varor, 6 %
4549 Motkonto beskattningsunderlag import av varor
4598 Justering, omvänd moms
4600 Legoarbeten och underentreprenader
4700 Reduktion av inköpspriser
4730 Erhållna kassarabatter
4900 Förändring av lager
4910 Förändring av lager av råvaror
4960 Förändring av lager av handelsvaror
4970 Förändring av pågående arbeten
5010 Lokalhyra
5020 El för belysning
5040 Vatten och avlopp
5060 Städning och renhållning
5070 Reparation och underhåll av lokaler
5090 Övriga lokalkostnader
5410 Förbrukningsinventarier
5420 Programvaror
5460 Förbrukningsmaterial
5480 Arbetskläder och skyddsmaterial
5490 Övriga förbrukningsinventarier och förbrukningsmaterial
5500 Reparation och underhåll
5520 Reparation och underhåll av inventarier, verktyg och datorer m.m.
5600 Kostnader för transportmedel
5611 Drivmedel för personbilar
5612 Försäkring och skatt för personbilar
5613 Reparation och underhåll av personbilar
5615 Leasing av personbilar
5616 Trängselskatt, avdragsgill
5619 Övriga personbilskostnader
5700 Frakter och transporter
5710 Frakter, transporter och försäkringar vid varudistribution
5800 Resekostnader
5810 Biljetter, utrikes resor
5811 Biljetter, inrikes resor
5820 Hyrbilskostnader
5830 Kost och logi
5831 Kost och logi i Sverige
5832 Kost och logi i utlandet
5890 Övriga resekostnader
5900 Reklam och PR
5910 Annonsering
5930 Reklamtrycksaker och direktreklam
5940 Utställningar och mässor
5980 Sponsring
5990 Övriga kostnader för reklam och PR
6040 Kontokortsavgifter
6050 Försäljningsprovisioner
6060 Kreditförsäljningskostnader
6070 Representation
6071 Representation, avdragsgill
6072 Representation, ej avdragsgill
6090 Övriga försäljningskostnader
6110 Kontorsmateriel
6150 Trycksaker
6200 Tele och post
6211 Fast telefoni
6212 Mobiltelefon
6230 Datakommunikation
6250 Postbefordran
6310 Företagsförsäkringar
6320 Självrisker vid skada
6350 Förluster på kundfordringar
6390 Övriga riskkostnader
6410 Styrelsearvoden som inte är lön
6420 Ersättningar till revisor
6490 Övriga förvaltningskostnader
6530 Redovisningstjänster
6540 IT-tjänster
6550 Konsultarvoden
6560 Serviceavgifter till branschorganisationer
6570 Bankkostnader
6580 Advokat- och rättegångskostnader
6590 Övriga externa tjänster
6800 Inhyrd personal
6810 Inhyrd produktionspersonal
6840 Inhyrd kontors- och ekonomipersonal
6850 Inhyrd IT-personal
6860 Inhyrd marknads- och försäljningspersonal
6880 Inhyrda företagsledare
6950 Tillsynsavgifter myndigheter
6970 Tidningar, tidskrifter och facklitteratur
6980 Föreningsavgifter
6981 Föreningsavgifter, avdragsgilla
6982 Föreningsavgifter, ej avdragsgilla
6990 Övriga externa kostnader
6991 Övriga externa kostnader, avdragsgilla
6992 Övriga externa kostnader, ej avdragsgilla
6993 Lämnade bidrag och gåvor
7010 Löner till kollektivanställda
7082 Sjuklöner till kollektivanställda
7090 Förändring av semesterlöneskuld
7210 Löner till tjänstemän
7220 Löner till företagsledare
7240 Styrelsearvoden
7281 Sjuklöner till tjänstemän
7290 Förändring av semesterlöneskuld
7310 Kontanta extraersättningar
7321 Skattefria traktamenten, Sverige
7322 Skattepliktiga traktamenten, Sverige
7323 Skattefria traktamenten, utlandet
7331 Skattefria bilersättningar
7332 Skattepliktiga bilersättningar
7380 Kostnader för förmåner till anställda
7385 Kostnader för fri bil
7389 Övriga kostnader för förmåner
7390 Övriga kostnadsersättningar och förmåner
7410 Pensionsförsäkringspremier
7411 Premier för kollektiva pensionsförsäkringar
7412 Premier för individuella pensionsförsäkringar
7510 Arbetsgivaravgifter 31,42 %
7519 Sociala avgifter för semester- och löneskulder
7530 Särskild löneskatt
7533 Särskild löneskatt för pensionskostnader
7570 Premier för arbetsmarknadsförsäkringar
7610 Utbildning
7620 Sjuk- och hälsovård
7622 Sjuk- och hälsovård, avdragsgill
7623 Sjuk- och hälsovård, ej avdragsgill
7630 Personalrepresentation
7631 Personalrepresentation, avdragsgill
7632 Personalrepresentation, ej avdragsgill
7650 Sjuklöneförsäkring
7670 Förändring av personalrelaterade avsättningar
7690 Övriga personalkostnader
7810 Avskrivningar på immateriella anläggningstillgångar
7820 Avskrivningar på byggnader och markanläggningar
7830 Avskrivningar på maskiner och inventarier
7832 Avskrivningar på inventarier och verktyg
7834 Avskrivningar på bilar och andra transportmedel
7835 Avskrivningar på datorer
7960 Valutakursförluster på fordringar och skulder av rörelsekaraktär
7970 Förlust vid avyttring av immateriella och materiella anläggningstillgångar
7990 Övriga rörelsekostnader
8010 Utdelning på andelar i koncernföretag
8070 Resultat vid försäljning av andelar i koncernföretag
8210 Utdelningar på andelar i andra företag
8220 Resultat vid försäljning av värdepapper i och långfristiga fordringar hos andra företag
8250 Ränteintäkter från långfristiga fordringar hos och värdepapper i andra företag
8310 Ränteintäkter från omsättningstillgångar
8311 Ränteintäkter från bank
8314 Skattefria ränteintäkter
8330 Valutakursdifferenser på kortfristiga fordringar och placeringar
8410 Räntekostnader för långfristiga skulder
8420 Räntekostnader för kortfristiga skulder
8422 Dröjsmålsräntor för leverantörsskulder
8423 Räntekostnader för skatter och avgifter
8430 Valutakursdifferenser på skulder
8490 Övriga skuldrelaterade poster
8810 Förändring av periodiseringsfond
8811 Avsättning till periodiseringsfond
8819 Återföring från periodiseringsfond
8850 Förändring av överavskrivningar
8910 Skatt som belastar årets resultat
8999 Årets resultat
"""

_VAT_CODES = {
    "MP1": (3001, 3041),
    "MP2": (3002, 3042),
    "MP3": (3003, 3043),
    "I12": (5830, 5831, 7631),
    "I6": (5811, 6970),
    "MF": (5612, 5616, 5810, 5832, 6040, 6072, 6310, 6320, 6350, 6390, 6560, 6570, 6950, 6980, 6981, 6982,
           6992, 6993, 7620, 7622, 7623, 7632),
    "ITEU": (4535, 4536, 4537),
    "ITGLOB": (4531, 4532, 4533),
    "IVEU": (4515, 4516, 4517),
    "": (4545, 4546, 4547, 4549, 4598, 6410),
}
# Cost accounts that carry deductible 25 % input VAT unless listed above.
_INPUT_VAT_RANGES = ((4000, 4699), (5000, 6999), (7610, 7610), (7690, 7690))

INACTIVE_ACCOUNTS = frozenset({5460, 5520, 6250, 6860})
MANDATORY_COST_CENTER = frozenset({7010, 7082, 7210, 7220, 7281})
MANDATORY_PROJECT = frozenset({4010, 4600})

# Approximate INK2 SRU codes by account range.
_SRU_RANGES = (
    (1000, 1099, 7201), (1100, 1199, 7214), (1200, 1299, 7215), (1300, 1399, 7230), (1400, 1499, 7241),
    (1500, 1599, 7251), (1600, 1699, 7261), (1700, 1799, 7263), (1800, 1899, 7271), (1900, 1999, 7281),
    (2000, 2099, 7301), (2100, 2199, 7321), (2200, 2299, 7331), (2300, 2399, 7352), (2400, 2499, 7365),
    (2500, 2599, 7368), (2600, 2899, 7369), (2900, 2999, 7370), (3000, 3799, 7410), (3800, 3999, 7413),
    (4000, 4999, 7511), (5000, 6999, 7513), (7000, 7699, 7514), (7700, 7899, 7515), (7900, 7999, 7517),
    (8000, 8299, 7414), (8300, 8399, 7417), (8400, 8499, 7522), (8500, 8899, 7419), (8900, 8999, 7528),
)


@dataclass(frozen=True)
class Account:
    number: int
    description: str
    active: bool
    vat_code: str
    cost_center_settings: str
    project_settings: str
    sru: int


def _vat_code(number: int) -> str:
    for code, numbers in _VAT_CODES.items():
        if number in numbers:
            return code
    if any(lo <= number <= hi for lo, hi in _INPUT_VAT_RANGES):
        return "I"
    return ""


def _settings(number: int, mandatory: frozenset[int]) -> str:
    if number < 3000:  # balance accounts take no cost center or project
        return "NOTALLOWED"
    return "MANDATORY" if number in mandatory else "ALLOWED"


def _account(line: str) -> Account:
    number_text, description = line.split(" ", 1)
    number = int(number_text)
    return Account(
        number=number,
        description=description,
        active=number not in INACTIVE_ACCOUNTS,
        vat_code=_vat_code(number),
        cost_center_settings=_settings(number, MANDATORY_COST_CENTER),
        project_settings=_settings(number, MANDATORY_PROJECT),
        sru=next(sru for lo, hi, sru in _SRU_RANGES if lo <= number <= hi),
    )


ACCOUNTS: dict[int, Account] = {a.number: a for a in sorted(map(_account, _CHART.strip().splitlines()),
                                                             key=lambda a: a.number)}
