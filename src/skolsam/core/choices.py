"""Hold the SS 12000 2.1.0 code lists (value sets) the register uses.

Values are the spec's own Swedish strings, stored as they are, so the API can
hand them out unchanged.
"""

from django.db import models


class OrganisationType(models.TextChoices):
    HUVUDMAN = "Huvudman", "Huvudman"
    VERKSAMHETSOMRADE = "Verksamhetsområde", "Verksamhetsområde"
    FORVALTNING = "Förvaltning", "Förvaltning"
    REKTORSOMRADE = "Rektorsområde", "Rektorsområde"
    SKOLA = "Skola", "Skola"
    SKOLENHET = "Skolenhet", "Skolenhet"
    VARUMARKE = "Varumärke", "Varumärke"
    BOLAG = "Bolag", "Bolag"
    OVRIGT = "Övrigt", "Övrigt"


class SchoolType(models.TextChoices):
    FS = "FS", "Förskola"
    FKLASS = "FKLASS", "Förskoleklass"
    FTH = "FTH", "Fritidshem"
    OPPFTH = "OPPFTH", "Öppen fritidsverksamhet"
    GR = "GR", "Grundskola"
    GRS = "GRS", "Grundsärskola"
    TR = "TR", "Träningsskolan"
    SP = "SP", "Specialskola"
    SAM = "SAM", "Sameskola"
    GY = "GY", "Gymnasieskola"
    GYS = "GYS", "Gymnasiesärskola"
    VUX = "VUX", "Kommunal vuxenutbildning"
    VUXSFI = "VUXSFI", "Kommunal vuxenutbildning i svenska för invandrare"
    VUXGR = "VUXGR", "Kommunal vuxenutbildning på grundläggande nivå"
    VUXGY = "VUXGY", "Kommunal vuxenutbildning på gymnasial nivå"
    VUXSARGR = "VUXSARGR", "Komvux som särskild utbildning, grundläggande nivå"
    VUXSARTR = "VUXSARTR", "Komvux som särskild utbildning, motsv. träningsskolan"
    VUXSARGY = "VUXSARGY", "Komvux som särskild utbildning, gymnasial nivå"
    SFI = "SFI", "Utbildning i svenska för invandrare"
    SARVUX = "SARVUX", "Särskild utbildning för vuxna"
    SARVUXGR = "SARVUXGR", "Särskild utbildning för vuxna, grundläggande nivå"
    SARVUXGY = "SARVUXGY", "Särskild utbildning för vuxna, gymnasial nivå"
    KU = "KU", "Kulturskola"
    YH = "YH", "Yrkeshögskola"
    FHS = "FHS", "Folkhögskola"
    STF = "STF", "Studieförbund"
    KKU = "KKU", "Konst- och kulturutbildning"
    HS = "HS", "Högskola"
    ABU = "ABU", "Arbetsmarknadsutbildning"
    AU = "AU", "Annan undervisning"


class PlacementSchoolType(models.TextChoices):
    FS = "FS", "Förskola"
    FTH = "FTH", "Fritidshem"
    OPPFTH = "OPPFTH", "Öppen fritidsverksamhet"


class Sex(models.TextChoices):
    MAN = "Man", "Man"
    KVINNA = "Kvinna", "Kvinna"
    OKANT = "Okänt", "Okänt"


class SecurityMarking(models.TextChoices):
    INGEN = "Ingen", "Ingen"
    SEKRETESSMARKERING = "Sekretessmarkering", "Sekretessmarkering"
    SKYDDAD_FOLKBOKFORING = "Skyddad folkbokföring", "Skyddad folkbokföring"


class PersonStatus(models.TextChoices):
    AKTIV = "Aktiv", "Aktiv"
    UTVANDRAD = "Utvandrad", "Utvandrad"
    AVLIDEN = "Avliden", "Avliden"


class CivicNoType(models.TextChoices):
    PERSONNUMMER = "personnummer", "Personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer", "Samordningsnummer"
    TEMPORARY = "temporary", "Tillfälligt nummer"


class RelationType(models.TextChoices):
    VARDNADSHAVARE = "Vårdnadshavare", "Vårdnadshavare"
    ANNAN_ANSVARIG = "Annan ansvarig", "Annan ansvarig"
    GOD_MAN = "God man", "God man"
    UTSEDD_BEHORIG = "Utsedd behörig", "Utsedd behörig"


class DutyRole(models.TextChoices):
    REKTOR = "Rektor", "Rektor"
    LARARE = "Lärare", "Lärare"
    FORSKOLLARARE = "Förskollärare", "Förskollärare"
    BARNSKOTARE = "Barnskötare", "Barnskötare"
    BIBLIOTEKARIE = "Bibliotekarie", "Bibliotekarie"
    LARARASSISTENT = "Lärarassistent", "Lärarassistent"
    FRITIDSPEDAGOG = "Fritidspedagog", "Fritidspedagog"
    ANNAN_PERSONAL = "Annan personal", "Annan personal"
    SYV = "Studie- och yrkesvägledare", "Studie- och yrkesvägledare"
    FORSTELARARE = "Förstelärare", "Förstelärare"
    KURATOR = "Kurator", "Kurator"
    SKOLSKOTERSKA = "Skolsköterska", "Skolsköterska"
    SKOLLAKARE = "Skolläkare", "Skolläkare"
    SKOLPSYKOLOG = "Skolpsykolog", "Skolpsykolog"
    SPECIALPEDAGOG = "Speciallärare/specialpedagog", "Speciallärare/specialpedagog"
    SKOLADMINISTRATOR = "Skoladministratör", "Skoladministratör"
    OVRIG_ARBETSLEDNING = "Övrig arbetsledning", "Övrig arbetsledning"
    OVRIG_PEDAGOGISK_PERSONAL = "Övrig pedagogisk personal", "Övrig pedagogisk personal"
    FORSKOLECHEF = "Förskolechef", "Förskolechef"


class AssignmentRoleType(models.TextChoices):
    MENTOR = "Mentor", "Mentor"
    FORSKOLLARARE = "Förskollärare", "Förskollärare"
    BARNSKOTARE = "Barnskötare", "Barnskötare"
    FRITIDSPEDAGOG = "Fritidspedagog", "Fritidspedagog"
    SPECIALPEDAGOG = "Specialpedagog", "Specialpedagog"
    ELEVHALSOPERSONAL = "Elevhälsopersonal", "Elevhälsopersonal"
    PEDAGOGISK_LEDARE = "Pedagogisk ledare", "Pedagogisk ledare"
    SCHEMALAGGARE = "Schemaläggare", "Schemaläggare"
    LARARASSISTENT = "Lärarassistent", "Lärarassistent"
    ADMINISTRATIV_PERSONAL = "Administrativ personal", "Administrativ personal"


class GroupType(models.TextChoices):
    UNDERVISNING = "Undervisning", "Undervisning"
    KLASS = "Klass", "Klass"
    MENTOR = "Mentor", "Mentor"
    PROVGRUPP = "Provgrupp", "Provgrupp"
    SCHEMA = "Schema", "Schema"
    AVDELNING = "Avdelning", "Avdelning"
    PERSONALGRUPP = "Personalgrupp", "Personalgrupp"
    OVRIGT = "Övrigt", "Övrigt"


class PlacementReason(models.TextChoices):
    OMSORGSBEHOV = "Omsorgsbehov", "Omsorgsbehov"
    ERBJUDEN_TID = "Erbjuden tid", "Erbjuden tid"
    EGET_BEHOV = "Eget behov", "Eget behov"


class ProgrammeType(models.TextChoices):
    YRKESPROGRAM = "Yrkesprogram", "Yrkesprogram"
    HOGSKOLEFORBEREDANDE = "Högskoleförberedande program", "Högskoleförberedande program"
    # The spec misspells "Introduktionsprogram"; the value is kept as the spec has it.
    INTRODUKTIONSPROGRAM = "Intruduktionsprogram", "Intruduktionsprogram"
    NATIONELLT_YRKESPAKET = "Nationellt yrkespaket", "Nationellt yrkespaket"
    REGIONALT_YRKESPAKET = "Regionalt yrkespaket", "Regionalt yrkespaket"
    FJARDE_TEKNISKT_AR = "Fjärde tekniskt år", "Fjärde tekniskt år"
    PROGRAMINRIKTNING = "Programinriktning", "Programinriktning"
    UTGANG = "Utgång", "Utgång"


class ActivityType(models.TextChoices):
    UNDERVISNING = "Undervisning", "Undervisning"
    ELEVAKTIVITET = "Elevaktivitet", "Elevaktivitet"
    PROVAKTIVITET = "Provaktivitet", "Provaktivitet"
    LARARAKTIVITET = "Läraraktivitet", "Läraraktivitet"
    OVRIGT = "Övrigt", "Övrigt"
