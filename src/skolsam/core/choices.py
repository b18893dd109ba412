"""Hold the SS 12000 2.1.0 code lists (value sets) the register uses.

Values are the spec's own Swedish strings, stored as they are, so the API can
hand them out unchanged.
"""

from django.db import models


class OrganisationType(models.TextChoices):
    HUVUDMAN = "Huvudman"
    VERKSAMHETSOMRADE = "Verksamhetsområde"
    FORVALTNING = "Förvaltning"
    REKTORSOMRADE = "Rektorsområde"
    SKOLA = "Skola"
    SKOLENHET = "Skolenhet"
    VARUMARKE = "Varumärke"
    BOLAG = "Bolag"
    OVRIGT = "Övrigt"


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
    MAN = "Man"
    KVINNA = "Kvinna"
    OKANT = "Okänt"


class SecurityMarking(models.TextChoices):
    INGEN = "Ingen"
    SEKRETESSMARKERING = "Sekretessmarkering"
    SKYDDAD_FOLKBOKFORING = "Skyddad folkbokföring"


class PersonStatus(models.TextChoices):
    AKTIV = "Aktiv"
    UTVANDRAD = "Utvandrad"
    AVLIDEN = "Avliden"


class CivicNoType(models.TextChoices):
    PERSONNUMMER = "personnummer", "Personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer", "Samordningsnummer"
    TEMPORARY = "temporary", "Tillfälligt nummer"


class RelationType(models.TextChoices):
    VARDNADSHAVARE = "Vårdnadshavare"
    ANNAN_ANSVARIG = "Annan ansvarig"
    GOD_MAN = "God man"
    UTSEDD_BEHORIG = "Utsedd behörig"


class DutyRole(models.TextChoices):
    REKTOR = "Rektor"
    LARARE = "Lärare"
    FORSKOLLARARE = "Förskollärare"
    BARNSKOTARE = "Barnskötare"
    BIBLIOTEKARIE = "Bibliotekarie"
    LARARASSISTENT = "Lärarassistent"
    FRITIDSPEDAGOG = "Fritidspedagog"
    ANNAN_PERSONAL = "Annan personal"
    SYV = "Studie- och yrkesvägledare"
    FORSTELARARE = "Förstelärare"
    KURATOR = "Kurator"
    SKOLSKOTERSKA = "Skolsköterska"
    SKOLLAKARE = "Skolläkare"
    SKOLPSYKOLOG = "Skolpsykolog"
    SPECIALPEDAGOG = "Speciallärare/specialpedagog"
    SKOLADMINISTRATOR = "Skoladministratör"
    OVRIG_ARBETSLEDNING = "Övrig arbetsledning"
    OVRIG_PEDAGOGISK_PERSONAL = "Övrig pedagogisk personal"
    FORSKOLECHEF = "Förskolechef"


class AssignmentRoleType(models.TextChoices):
    MENTOR = "Mentor"
    FORSKOLLARARE = "Förskollärare"
    BARNSKOTARE = "Barnskötare"
    FRITIDSPEDAGOG = "Fritidspedagog"
    SPECIALPEDAGOG = "Specialpedagog"
    ELEVHALSOPERSONAL = "Elevhälsopersonal"
    PEDAGOGISK_LEDARE = "Pedagogisk ledare"
    SCHEMALAGGARE = "Schemaläggare"
    LARARASSISTENT = "Lärarassistent"
    ADMINISTRATIV_PERSONAL = "Administrativ personal"


class GroupType(models.TextChoices):
    UNDERVISNING = "Undervisning"
    KLASS = "Klass"
    MENTOR = "Mentor"
    PROVGRUPP = "Provgrupp"
    SCHEMA = "Schema"
    AVDELNING = "Avdelning"
    PERSONALGRUPP = "Personalgrupp"
    OVRIGT = "Övrigt"


class PlacementReason(models.TextChoices):
    OMSORGSBEHOV = "Omsorgsbehov"
    ERBJUDEN_TID = "Erbjuden tid"
    EGET_BEHOV = "Eget behov"


class ProgrammeType(models.TextChoices):
    YRKESPROGRAM = "Yrkesprogram"
    HOGSKOLEFORBEREDANDE = "Högskoleförberedande program"
    # The spec misspells "Introduktionsprogram"; the value is kept as the spec has it.
    INTRODUKTIONSPROGRAM = "Intruduktionsprogram"
    NATIONELLT_YRKESPAKET = "Nationellt yrkespaket"
    REGIONALT_YRKESPAKET = "Regionalt yrkespaket"
    FJARDE_TEKNISKT_AR = "Fjärde tekniskt år"
    PROGRAMINRIKTNING = "Programinriktning"
    UTGANG = "Utgång"


class ActivityType(models.TextChoices):
    UNDERVISNING = "Undervisning"
    ELEVAKTIVITET = "Elevaktivitet"
    PROVAKTIVITET = "Provaktivitet"
    LARARAKTIVITET = "Läraraktivitet"
    OVRIGT = "Övrigt"
