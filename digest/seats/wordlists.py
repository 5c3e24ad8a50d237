"""Word lists the evidence rules look up: closed classes of words, not place or people names.

Each is a class (club suffixes, newspaper title words, US states and other countries that
share UK place names, titles, parties), so a list does not fit any one article.
"""

from __future__ import annotations


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that make "<place> <word>" a club rather than the place. "Town", "City" and "County"
# name clubs only when no civic word follows ("Ipswich Town Council", "Hull City Hall").
CLUB_WORDS = _words(
    "AFC Academical Albion Argyle Athletic Celtic City County FC Harriers Hotspur Orient RFC "
    "Rangers Rovers Thistle Town United Villa Wanderers "
)

# Civic words after "<place> Town/City/County" (lower case): not a club.
CLUB_CIVIC = _words(
    "airport and boundaries boundary bus center centre council councillor councillors deal "
    "hall hospital hub lane library limits line mayor museum of park police region road "
    "square station status street ward wards "
)

# Unambiguous club words: never part of a place or civic name.
CLUB_ONLY = _words("AFC Albion Argyle Athletic FC Hotspur Orient RFC Rovers Wanderers")

# "<place> <word>" is an outlet ("Shropshire Star", "Manchester Evening News").
NEWSPAPER_WORDS = _words(
    "Advertiser Argus Bulletin Chronicle Citizen Courier Echo Evening Examiner Express "
    "Gazette Guardian Herald Independent Journal Leader Live Mercury News Observer Piper Post "
    "Press Recorder Reporter Sentinel Standard Star Sun Telegraph Times Today Voice "
)

# Places abroad that share names with UK places, written "<place>, <state or country>".
ABROAD = _words(
    "Africa Alabama Alaska America Arizona Arkansas Australia California Canada Colorado "
    "Connecticut Delaware Florida Georgia Hawaii Idaho Illinois Indiana Iowa Ireland Jamaica "
    "Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota Mississippi "
    "Missouri Montana Nebraska Nevada Ohio Oklahoma Ontario Oregon Pennsylvania Quebec "
    "Queensland Tasmania Tennessee Texas US USA Utah Vermont Victoria Virginia Washington "
    "Wisconsin Wyoming Zealand "
) | frozenset(
    (
        "British Columbia",
        "New Hampshire",
        "New Jersey",
        "New Mexico",
        "New South Wales",
        "New York",
        "New Zealand",
        "North Carolina",
        "North Dakota",
        "Nova Scotia",
        "Rhode Island",
        "South Africa",
        "South Australia",
        "South Carolina",
        "South Dakota",
        "West Virginia",
        "Western Australia",
    )
)

# Months: as place names ("March") they need support like common words.
MONTHS = _words(
    "April August December February January July June March May November October September "
)

# Words around a name (lower case) that say the person is a Member of Parliament.
MP_WORDS = _words(
    "commons constituencies constituency constituent constituents minister ministers mp mps "
    "parliament secretary westminster whip "
)

# With parties and "candidate": the politician rather than a namesake.
PERSON_WORDS = MP_WORDS | _words(
    "candidate candidates conservative conservatives dup labour libdem libdems plaid sdlp snp "
    "tories tory ukip"
)

# Words in the sentence naming a seat that say the story is about its contest: a candidate
# selected, nominated or standing for it.
CONTEST_WORDS = _words(
    "contest contesting nominate nominated nomination reselected reselection "
    "selected selection shortlist shortlisted"
)

# Words in the sentence naming a seat that put it in an MP's past ("first represented
# Croydon Central before switching to Mole Valley").
PAST_WORDS = _words("former formerly previously represented")

# Words next to a one-word seat name that say the constituency is meant.
SEAT_WORDS = MP_WORDS | _words("by-election seat seats")

# Words that show a person doing something in the sentence (beyond being quoted): tabling,
# voting, visiting, standing, taking action.
ACTING_WORDS = _words(
    "asked attended backed campaigned chaired joined launched led met moved opened raised "
    "selected signed spoke stood submitted tabled took triggered visited voted welcomed won "
)

# Words that show a person quoted or acting in the sentence.
QUOTE_WORDS = _words(
    "added announced argued called claimed confirmed explained insisted posted said says told "
    "tweeted urged warned wrote "
)

# Titles before a surname.
GIVEN_PREFIX = _words(
    "Baron Baroness Cllr Councillor Dame Dr Judge Lady Lord Lords Miss Mr Mrs Ms Prof Professor "
    "Rev Sir"
)

# Initials before a surname in team sheets and lists ("J Worsley", "H. Southwell"): capital
# letters other than "A" and "I", which also open sentences as words.
INITIALS = frozenset(
    form for letter in "BCDEFGHJKLMNOPQRSTUVWXYZ" for form in (letter, f"{letter}.")
)

# Words of sports reports (lower case): positions, competitions, the sports themselves and
# match vocabulary. ``SPORT_WORDS`` rarely appear in other news; ``SPORT_CONTEXT`` words do
# (a council "team", a "final" decision, "full-time" jobs, "tries" to), so they count only
# alongside a sport word.
SPORT_WORDS = _words(
    "athletics batsman bowler centre-back cricket defender defenders fixture fixtures flanker "
    "flankers fly-half football full-back goalkeeper goalkeepers innings keeper kick-off "
    "marathon midfielder midfielders olympic olympics premiership quarter-final quarter-finals "
    "rugby scored scrum-half seeded semi-final semi-finals squad striker strikers tennis wicket "
    "wickets winger wingers"
)
SPORT_CONTEXT = SPORT_WORDS | _words(
    "boss caps champion champions championship championships club clubs coach cup debut fans "
    "final full-time goal goals half-time injured injury league loan manager match matches "
    "medal medals penalties penalty player players season signed signing stadium team teams "
    "tournament transfer tries"
)
# Words of politics (lower case): a story holding one near its start is not a sports report,
# whatever sport it is about ("Council backs the club's new stadium"), even under a page's
# "Football | Rugby | Cricket" navigation.
CIVIC_WORDS = _words(
    "by-election candidate candidates cllr conservative conservatives constituency council "
    "councillor councillors councils election elections labour mayor mla mp mps msp "
    "parliament planning plaid snp tories tory ukip voters westminster"
)

# Capitalised words that may follow a person's name without making it longer.
NOT_SURNAMES = _words(
    "AM And As At But CBE Conservative For Green Had Has In Is KC Labour Lib MBE MEP MLA MP "
    "MPs MS MSP OBE On PM Plaid QC Reform SNP The Tory Was Will "
)

# Titles of a person that name a place after "of" ("Archbishop of Canterbury", "Duke of
# York", "Commander of the Order of Bath"): the person or honour, not the place.
TITLES_OF_PLACE = _words(
    "Archbishop Archbishops Baron Baroness Bishop Bishops Countess Duchess Duke Earl Lady Lord "
    "Marchioness Marquess Order Prince Princess Viscount Viscountess"
)

# Titles before a peer's surname in "<title> <surname> of <place>" ("Lord Faulkner of
# Worcester", "Baroness Smith of Basildon").
PEER_TITLES = _words("Baron Baroness Lady Lord")

# Offices of a place written "<office> of <place>", even after "Lord" ("Lord Mayor of
# Leeds", "Lord Provost of Glasgow", "Lord Lieutenant of Kent"): local, the place stands.
LOCAL_OFFICES = _words("Lieutenant Mayor Mayoress Provost Sheriff")

# Capitalised words after a place that keep it the place (civic bodies, compass points,
# parts of a town): "Leeds City Council", "Bristol North West", "Cardiff Bay".
PLACE_PARTS = (
    _words(
        "Area Assembly Authority Bay Borough Boroughs Central Centre City Combined Constituency "
        "Council Councillor Councillors Councils County District Docks East Eastern Greater High "
        "Lower Metropolitan Mid Mayor Mayoress North Northern Parish Region Rural South "
        "Southern Town Unitary Upper Urban Vale Valley Ward Wards West Western"
        # the country around it ("Hambleton Hills", "Toft Hill", "Whorlton Bridge")
        " Bridge Coast Dales Downs Estuary Fells Forest Hill Hills Moor Moors Wolds"
        # parties and their members ("Suffolk Coastal UKIP members", "Harrogate Tories")
        " Conservatives Democrat Democrats Greens Liberal Liberals Tories"
    )
    | GIVEN_PREFIX
)  # a title starts a person's name after it ("in Harrogate Mr Kennedy said")

# Words that make "<place> <word>" a street: one of that name may be in any town.
STREET_WORDS = _words(
    "Avenue Boulevard Circus Close Crescent Drive Gardens Grove Lane Mews Parade Place Road "
    "Roads Row Square Street Terrace Walk Way"
)

# Institutions, venues and events named after a place ("Cambridge University", "Leeds
# Crown Court", "Buckingham Palace", "Chelsea Flower Show"): in the place or not, they are
# local evidence only when the article also names the place on its own.
INSTITUTION_WORDS = _words(
    "Abbey Academy Airport Apollo Arena Association Beach Board Carnival Castle Cathedral "
    "Championship Championships Clinical College Constable Constabulary Court Crown Festival "
    "Flower Gallery Grammar Hall Health Hospital Hospitals Infirmary Library Magistrates Marathon "
    "House Market Minster Museum Odeon Palace Park Pier Police Primary Prison Races School Schools "
    "Show Society Stadium Station Theatre Trust University Zoo"
)
