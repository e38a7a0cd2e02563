"""Non-NANP countries for the sandbox: ISO 3166-2 regions, cities with their real area prefixes.

Prefixes are national significant prefixes (no trunk 0; Italy keeps its leading 0 because it is
part of the number). Lengths are national significant number lengths that
``phonenumbers.is_valid_number`` accepts for random digits after the prefix (checked by
``tests/inventory/sandbox/test_geo.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CountrySpec:
    code: str  # ISO 3166-1 alpha-2, "GB"
    name: str
    calling_code: str  # "44"
    regions: tuple[tuple[str, str], ...]  # (ISO 3166-2, name); () when none are meaningful
    cities: tuple[tuple[str, str, str], ...]  # (city, area prefix, ISO 3166-2 region or "")
    number_types: tuple[str, ...]  # subset of local/mobile/national/toll_free/shared_cost
    toll_free_prefixes: tuple[str, ...]
    mobile_prefixes: tuple[str, ...]
    national_prefixes: tuple[str, ...]
    shared_cost_prefixes: tuple[str, ...] = ()
    default_length: int = 9  # national significant number length
    lengths: tuple[tuple[str, int], ...] = ()  # (prefix, length) where it differs from default

    def nsn_length(self, prefix: str) -> int:
        """National significant number length for numbers starting with ``prefix``."""
        best, length = -1, self.default_length
        for known, known_length in self.lengths:
            if prefix.startswith(known) and len(known) > best:
                best, length = len(known), known_length
        return length

    def prefixes(self, number_type: str) -> tuple[str, ...]:
        """The prefixes sold for ``number_type`` ("local" means the city prefixes)."""
        if number_type == "local":
            return tuple(prefix for _, prefix, _ in self.cities)
        return {
            "toll_free": self.toll_free_prefixes,
            "mobile": self.mobile_prefixes,
            "national": self.national_prefixes,
            "shared_cost": self.shared_cost_prefixes,
        }.get(number_type, ())


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _country(
    code: str,
    name: str,
    calling_code: str,
    *,
    regions: str,
    cities: str,
    toll_free: str = "",
    mobile: str = "",
    national: str = "",
    shared_cost: str = "",
    length: int = 9,
    lengths: str = "",
) -> CountrySpec:
    """Build a spec from compact text: regions "ENG England; ...", cities "London 20 ENG; ..."."""
    region_pairs = tuple(
        (f"{code}-{item.split(' ', 1)[0]}", item.split(" ", 1)[1]) for item in _split(regions)
    )
    city_rows = []
    for item in _split(cities):
        city, prefix, region = item.rsplit(" ", 2)
        city_rows.append((city, prefix, "" if region == "-" else f"{code}-{region}"))
    kinds = {"toll_free": toll_free, "mobile": mobile, "national": national}
    kinds["shared_cost"] = shared_cost
    number_types = ("local", *(kind for kind, text in kinds.items() if text))
    return CountrySpec(
        code=code,
        name=name,
        calling_code=calling_code,
        regions=region_pairs,
        cities=tuple(city_rows),
        number_types=number_types,
        toll_free_prefixes=tuple(toll_free.split()),
        mobile_prefixes=tuple(mobile.split()),
        national_prefixes=tuple(national.split()),
        shared_cost_prefixes=tuple(shared_cost.split()),
        default_length=length,
        lengths=tuple((p, int(n)) for p, n in (pair.split(":") for pair in lengths.split())),
    )


COUNTRIES: tuple[CountrySpec, ...] = (
    _country(
        "GB",
        "United Kingdom",
        "44",
        regions="ENG England; SCT Scotland; WLS Wales; NIR Northern Ireland",
        cities="London 20 ENG; Birmingham 121 ENG; Manchester 161 ENG; Leeds 113 ENG; "
        "Sheffield 114 ENG; Liverpool 151 ENG; Bristol 117 ENG; Nottingham 115 ENG; "
        "Leicester 116 ENG; Newcastle upon Tyne 191 ENG; Cambridge 1223 ENG; Oxford 1865 ENG; "
        "Brighton 1273 ENG; Glasgow 141 SCT; Edinburgh 131 SCT; Aberdeen 1224 SCT; "
        "Dundee 1382 SCT; Cardiff 29 WLS; Swansea 1792 WLS; Belfast 28 NIR",
        toll_free="800 808",
        mobile="74 75 77 78 79",
        national="330 333 345",
        length=10,
    ),
    _country(
        "DE",
        "Germany",
        "49",
        regions="BW Baden-Württemberg; BY Bayern; BE Berlin; BB Brandenburg; HB Bremen; "
        "HH Hamburg; HE Hessen; MV Mecklenburg-Vorpommern; NI Niedersachsen; "
        "NW Nordrhein-Westfalen; RP Rheinland-Pfalz; SL Saarland; SN Sachsen; ST Sachsen-Anhalt; "
        "SH Schleswig-Holstein; TH Thüringen",
        cities="Berlin 30 BE; Hamburg 40 HH; Munich 89 BY; Cologne 221 NW; Frankfurt 69 HE; "
        "Stuttgart 711 BW; Düsseldorf 211 NW; Dortmund 231 NW; Essen 201 NW; Leipzig 341 SN; "
        "Bremen 421 HB; Dresden 351 SN; Hanover 511 NI; Nuremberg 911 BY; Potsdam 331 BB; "
        "Kiel 431 SH; Mainz 6131 RP; Saarbrücken 681 SL; Magdeburg 391 ST; Erfurt 361 TH; "
        "Rostock 381 MV",
        toll_free="800",
        mobile="151 152 160 170 171 175 176 177 178 179",
        national="32",
        shared_cost="1801",
        length=10,
        lengths="800:10 15:11 16:10 17:10 176:11 177:11 178:11 179:11 32:11 1801:10",
    ),
    _country(
        "FR",
        "France",
        "33",
        regions="IDF Île-de-France; ARA Auvergne-Rhône-Alpes; PAC Provence-Alpes-Côte-d'Azur; "
        "OCC Occitanie; PDL Pays-de-la-Loire; GES Grand-Est; NAQ Nouvelle-Aquitaine; "
        "HDF Hauts-de-France; BRE Bretagne",
        cities="Paris 1 IDF; Lyon 472 ARA; Marseille 491 PAC; Toulouse 561 OCC; Nice 493 PAC; "
        "Nantes 240 PDL; Strasbourg 388 GES; Montpellier 467 OCC; Bordeaux 556 NAQ; "
        "Lille 320 HDF; Rennes 299 BRE",
        toll_free="800 805",
        mobile="6 7",
        national="9",
        shared_cost="810 811",
    ),
    _country(
        "NL",
        "Netherlands",
        "31",
        regions="NH Noord-Holland; ZH Zuid-Holland; UT Utrecht; NB Noord-Brabant; GR Groningen; "
        "GE Gelderland; LI Limburg; OV Overijssel",
        cities="Amsterdam 20 NH; Rotterdam 10 ZH; The Hague 70 ZH; Utrecht 30 UT; "
        "Eindhoven 40 NB; Groningen 50 GR; Tilburg 13 NB; Breda 76 NB; Nijmegen 24 GE; "
        "Arnhem 26 GE; Maastricht 43 LI; Leiden 71 ZH; Haarlem 23 NH; Zwolle 38 OV",
        toll_free="800",
        mobile="6",
        national="85 88",
        lengths="800:7",
    ),
    _country(
        "BE",
        "Belgium",
        "32",
        regions="BRU Brussels-Capital Region; VLG Flanders; WAL Wallonia",
        cities="Brussels 2 BRU; Antwerp 3 VLG; Ghent 9 VLG; Liège 4 WAL; Charleroi 71 WAL; "
        "Leuven 16 VLG; Bruges 50 VLG; Namur 81 WAL; Mons 65 WAL; Hasselt 11 VLG",
        toll_free="800",
        mobile="47 48 49",
        national="78",
        length=8,
        lengths="47:9 48:9 49:9",
    ),
    _country(
        "ES",
        "Spain",
        "34",
        regions="MD Madrid; CT Catalunya; VC Valenciana; AN Andalucía; PV País Vasco; "
        "AR Aragón; IB Illes Balears; CN Canarias; MC Murcia; CL Castilla y León",
        cities="Madrid 91 MD; Barcelona 93 CT; Valencia 96 VC; Seville 954 AN; Málaga 952 AN; "
        "Bilbao 94 PV; Zaragoza 976 AR; Palma 971 IB; Las Palmas 928 CN; Murcia 968 MC; "
        "Valladolid 983 CL",
        toll_free="800 900",
        mobile="6 7",
        national="51",
        shared_cost="901 902",
    ),
    _country(
        "IT",
        "Italy",
        "39",
        regions="62 Lazio; 25 Lombardia; 72 Campania; 21 Piemonte; 82 Sicilia; 42 Liguria; "
        "45 Emilia-Romagna; 52 Toscana; 34 Veneto; 75 Puglia",
        cities="Rome 06 62; Milan 02 25; Naples 081 72; Turin 011 21; Palermo 091 82; "
        "Genoa 010 42; Bologna 051 45; Florence 055 52; Venice 041 34; Bari 080 75",
        toll_free="800",
        mobile="32 33 34 35 36 37 38 39",
        shared_cost="848",
        length=10,
        lengths="800:9 848:9",
    ),
    _country(
        "PT",
        "Portugal",
        "351",
        regions="11 Lisboa; 13 Porto; 03 Braga; 06 Coimbra; 08 Faro; 01 Aveiro; "
        "30 Região Autónoma da Madeira; 20 Região Autónoma dos Açores; 15 Setúbal; 07 Évora",
        cities="Lisbon 21 11; Porto 22 13; Braga 253 03; Coimbra 239 06; Faro 289 08; "
        "Aveiro 234 01; Funchal 291 30; Ponta Delgada 296 20; Setúbal 265 15; Évora 266 07",
        toll_free="800",
        mobile="91 92 93 96",
        national="30",
        shared_cost="808",
    ),
    _country(
        "SE",
        "Sweden",
        "46",
        regions="AB Stockholms län; O Västra Götalands län; M Skåne län; C Uppsala län; "
        "U Västmanlands län; T Örebro län; E Östergötlands län; F Jönköpings län; "
        "AC Västerbottens län",
        cities="Stockholm 8 AB; Gothenburg 31 O; Malmö 40 M; Uppsala 18 C; Västerås 21 U; "
        "Örebro 19 T; Linköping 13 E; Jönköping 36 F; Umeå 90 AC; Helsingborg 42 M",
        toll_free="20",
        mobile="70 72 73 76 79",
        national="10",
        shared_cost="77",
        lengths="20:8",
    ),
    _country(
        "PL",
        "Poland",
        "48",
        regions="14 Mazowieckie; 12 Małopolskie; 10 Łódzkie; 02 Dolnośląskie; 30 Wielkopolskie; "
        "22 Pomorskie; 32 Zachodniopomorskie; 04 Kujawsko-Pomorskie; 06 Lubelskie; 24 Śląskie",
        cities="Warsaw 22 14; Kraków 12 12; Łódź 42 10; Wrocław 71 02; Poznań 61 30; "
        "Gdańsk 58 22; Szczecin 91 32; Bydgoszcz 52 04; Lublin 81 06; Katowice 32 24",
        toll_free="800",
        mobile="50 51 53 57 60 66 69 72 73 78 79 88",
        national="39",
        shared_cost="801",
    ),
    _country(
        "CH",
        "Switzerland",
        "41",
        regions="ZH Zürich; GE Genève; BS Basel-Stadt; BE Berne; VD Vaud; LU Luzern; "
        "SG Sankt Gallen; TI Ticino; FR Fribourg",
        cities="Zurich 44 ZH; Geneva 22 GE; Basel 61 BS; Bern 31 BE; Lausanne 21 VD; "
        "Lucerne 41 LU; St. Gallen 71 SG; Lugano 91 TI; Winterthur 52 ZH; Fribourg 26 FR",
        toll_free="800",
        mobile="75 76 77 78 79",
        national="58",
        shared_cost="840 848",
    ),
    _country(
        "AT",
        "Austria",
        "43",
        regions="9 Wien; 6 Steiermark; 4 Oberösterreich; 5 Salzburg; 7 Tirol; 2 Kärnten; "
        "3 Niederösterreich; 8 Vorarlberg",
        cities="Vienna 1 9; Graz 316 6; Linz 732 4; Salzburg 662 5; Innsbruck 512 7; "
        "Klagenfurt 463 2; Villach 4242 2; St. Pölten 2742 3; Wels 7242 4; Bregenz 5574 8",
        toll_free="800",
        mobile="650 660 664 676 680 688 699",
        national="720",
        shared_cost="810",
        length=10,
        lengths="800:9 810:9 650:10 660:10 664:10 676:10",
    ),
    _country(
        "IE",
        "Ireland",
        "353",
        regions="L Leinster; M Munster; C Connaught; U Ulster",
        cities="Dublin 1 L; Cork 21 M; Galway 91 C; Limerick 61 M; Waterford 51 M; "
        "Kilkenny 56 L; Sligo 71 C; Athlone 90 L; Drogheda 41 L; Letterkenny 74 U",
        toll_free="1800",
        mobile="83 85 86 87 89",
        national="76",
        length=9,
        lengths="1:8 91:8 61:8 51:8 1800:10",
    ),
    _country(
        "AU",
        "Australia",
        "61",
        regions="NSW New South Wales; VIC Victoria; QLD Queensland; WA Western Australia; "
        "SA South Australia; TAS Tasmania; ACT Australian Capital Territory; "
        "NT Northern Territory",
        cities="Sydney 29 NSW; Melbourne 39 VIC; Brisbane 73 QLD; Perth 89 WA; Adelaide 882 SA; "
        "Hobart 362 TAS; Canberra 262 ACT; Darwin 889 NT; Gold Coast 755 QLD; "
        "Newcastle 249 NSW; Geelong 352 VIC",
        toll_free="1800",
        mobile="4",
        shared_cost="1300",
        lengths="1800:10 1300:10",
    ),
    _country(
        "BR",
        "Brazil",
        "55",
        regions="SP São Paulo; RJ Rio de Janeiro; MG Minas Gerais; DF Distrito Federal; "
        "BA Bahia; CE Ceará; PR Paraná; PE Pernambuco; RS Rio Grande do Sul; AM Amazonas; "
        "PA Pará; GO Goiás",
        cities="São Paulo 113 SP; Rio de Janeiro 213 RJ; Belo Horizonte 313 MG; Brasília 613 DF; "
        "Salvador 713 BA; Fortaleza 853 CE; Curitiba 413 PR; Recife 813 PE; "
        "Porto Alegre 513 RS; Manaus 923 AM; Belém 913 PA; Goiânia 623 GO",
        toll_free="800",
        mobile="119 219 319 619",
        shared_cost="4003 4004",
        length=10,
        lengths="119:11 219:11 319:11 619:11 4003:8 4004:8",
    ),
    _country(
        "MX",
        "Mexico",
        "52",
        regions="CMX Ciudad de México; JAL Jalisco; NLE Nuevo León; PUE Puebla; "
        "BCN Baja California; GUA Guanajuato; ROO Quintana Roo; YUC Yucatán; QUE Querétaro; "
        "MEX México",
        cities="Mexico City 55 CMX; Guadalajara 33 JAL; Monterrey 81 NLE; Puebla 222 PUE; "
        "Tijuana 664 BCN; León 477 GUA; Cancún 998 ROO; Mérida 999 YUC; Querétaro 442 QUE; "
        "Toluca 722 MEX",
        toll_free="800",
        mobile="5512 3312 8112",
        length=10,
    ),
    _country(
        "ZA",
        "South Africa",
        "27",
        regions="GP Gauteng; WC Western Cape; KZN Kwazulu-Natal; EC Eastern Cape; "
        "FS Free State; LP Limpopo; MP Mpumalanga",
        cities="Johannesburg 11 GP; Pretoria 12 GP; Cape Town 21 WC; Durban 31 KZN; "
        "Gqeberha 41 EC; East London 43 EC; Bloemfontein 51 FS; Pietermaritzburg 33 KZN; "
        "Polokwane 15 LP; Mbombela 13 MP",
        toll_free="800",
        mobile="60 71 72 73 74 76 78 79 82 83 84",
        national="87",
        shared_cost="860",
    ),
    _country(
        "IL",
        "Israel",
        "972",
        regions="JM Jerusalem; TA Tel Aviv; HA Haifa; D HaDarom; M HaMerkaz",
        cities="Jerusalem 2 JM; Tel Aviv 3 TA; Haifa 4 HA; Beersheba 8 D; Netanya 9 M",
        toll_free="1800",
        mobile="50 52 53 54 55 58",
        national="77",
        shared_cost="1700",
        length=8,
        lengths="1800:10 1700:10 5:9 77:9",
    ),
    _country(
        "JP",
        "Japan",
        "81",
        regions="13 Tokyo; 27 Osaka; 23 Aichi; 14 Kanagawa; 01 Hokkaido; 40 Fukuoka; 28 Hyogo; "
        "26 Kyoto; 04 Miyagi; 34 Hiroshima",
        cities="Tokyo 3 13; Osaka 6 27; Nagoya 52 23; Yokohama 45 14; Sapporo 11 01; "
        "Fukuoka 92 40; Kobe 78 28; Kyoto 75 26; Sendai 22 04; Hiroshima 82 34",
        toll_free="120 800",
        mobile="70 80 90",
        national="50",
        lengths="800:10 70:10 80:10 90:10 50:10",
    ),
    _country(
        "PE",
        "Peru",
        "51",
        regions="LMA Municipalidad Metropolitana de Lima; ARE Arequipa; LAL La Libertad; "
        "LAM Lambayeque; PIU Piura; CUS Cusco; LOR Loreto; JUN Junín; TAC Tacna; ICA Ica",
        cities="Lima 1 LMA; Arequipa 54 ARE; Trujillo 44 LAL; Chiclayo 74 LAM; Piura 73 PIU; "
        "Cusco 84 CUS; Iquitos 65 LOR; Huancayo 64 JUN; Tacna 52 TAC; Ica 56 ICA",
        toll_free="800",
        mobile="9",
        length=8,
        lengths="800:8 9:9",
    ),
)
