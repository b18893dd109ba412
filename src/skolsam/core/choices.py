"""Hold the SS 12000 2.1.0 code lists (value sets) the register uses.

Values are the spec's own Swedish strings, stored as they are, so the API can
hand them out unchanged.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    HUVUDMAN = "Huvudman", _("Huvudman")
    VERKSAMHETSOMRADE = "Verksamhetsområde", _("Verksamhetsområde")
    FORVALTNING = "Förvaltning", _("Förvaltning")
    REKTORSOMRADE = "Rektorsområde", _("Rektorsområde")
    SKOLA = "Skola", _("Skola")
    SKOLENHET = "Skolenhet", _("Skolenhet")
    VARUMARKE = "Varumärke", _("Varumärke")
    BOLAG = "Bolag", _("Bolag")
    OVRIGT = "Övrigt", _("Övrigt")


class SchoolType(models.TextChoices):
    FS = "FS", _("Förskola")
    FKLASS = "FKLASS", _("Förskoleklass")
    FTH = "FTH", _("Fritidshem")
    OPPFTH = "OPPFTH", _("Öppen fritidsverksamhet")
    GR = "GR", _("Grundskola")
    GRS = "GRS", _("Grundsärskola")
    TR = "TR", _("Träningsskolan")
    SP = "SP", _("Specialskola")
    SAM = "SAM", _("Sameskola")
    GY = "GY", _("Gymnasieskola")
    GYS = "GYS", _("Gymnasiesärskola")
    VUX = "VUX", _("Kommunal vuxenutbildning")
    VUXSFI = "VUXSFI", _("Kommunal vuxenutbildning i svenska för invandrare")
    VUXGR = "VUXGR", _("Kommunal vuxenutbildning på grundläggande nivå")
    VUXGY = "VUXGY", _("Kommunal vuxenutbildning på gymnasial nivå")
    VUXSARGR = "VUXSARGR", _("Komvux som särskild utbildning, grundläggande nivå")
    VUXSARTR = "VUXSARTR", _("Komvux som särskild utbildning, motsv. träningsskolan")
    VUXSARGY = "VUXSARGY", _("Komvux som särskild utbildning, gymnasial nivå")
    SFI = "SFI", _("Utbildning i svenska för invandrare")
    SARVUX = "SARVUX", _("Särskild utbildning för vuxna")
    SARVUXGR = "SARVUXGR", _("Särskild utbildning för vuxna, grundläggande nivå")
    SARVUXGY = "SARVUXGY", _("Särskild utbildning för vuxna, gymnasial nivå")
    KU = "KU", _("Kulturskola")
    YH = "YH", _("Yrkeshögskola")
    FHS = "FHS", _("Folkhögskola")
    STF = "STF", _("Studieförbund")
    KKU = "KKU", _("Konst- och kulturutbildning")
    HS = "HS", _("Högskola")
    ABU = "ABU", _("Arbetsmarknadsutbildning")
    AU = "AU", _("Annan undervisning")


class PlacementSchoolType(models.TextChoices):
    FS = "FS", _("Förskola")
    FTH = "FTH", _("Fritidshem")
    OPPFTH = "OPPFTH", _("Öppen fritidsverksamhet")


class Sex(models.TextChoices):
    MAN = "Man", _("Man")
    KVINNA = "Kvinna", _("Kvinna")
    OKANT = "Okänt", _("Okänt")


class SecurityMarking(models.TextChoices):
    INGEN = "Ingen", _("Ingen")
    SEKRETESSMARKERING = "Sekretessmarkering", _("Sekretessmarkering")
    SKYDDAD_FOLKBOKFORING = "Skyddad folkbokföring", _("Skyddad folkbokföring")


class PersonStatus(models.TextChoices):
    AKTIV = "Aktiv", _("Aktiv")
    UTVANDRAD = "Utvandrad", _("Utvandrad")
    AVLIDEN = "Avliden", _("Avliden")


class CivicNoType(models.TextChoices):
    PERSONNUMMER = "personnummer", _("Personnummer")
    SAMORDNINGSNUMMER = "samordningsnummer", _("Samordningsnummer")
    TEMPORARY = "temporary", _("Tillfälligt nummer")


class RelationType(models.TextChoices):
    VARDNADSHAVARE = "Vårdnadshavare", _("Vårdnadshavare")
    ANNAN_ANSVARIG = "Annan ansvarig", _("Annan ansvarig")
    GOD_MAN = "God man", _("God man")
    UTSEDD_BEHORIG = "Utsedd behörig", _("Utsedd behörig")


class DutyRole(models.TextChoices):
    REKTOR = "Rektor", _("Rektor")
    LARARE = "Lärare", _("Lärare")
    FORSKOLLARARE = "Förskollärare", _("Förskollärare")
    BARNSKOTARE = "Barnskötare", _("Barnskötare")
    BIBLIOTEKARIE = "Bibliotekarie", _("Bibliotekarie")
    LARARASSISTENT = "Lärarassistent", _("Lärarassistent")
    FRITIDSPEDAGOG = "Fritidspedagog", _("Fritidspedagog")
    ANNAN_PERSONAL = "Annan personal", _("Annan personal")
    SYV = "Studie- och yrkesvägledare", _("Studie- och yrkesvägledare")
    FORSTELARARE = "Förstelärare", _("Förstelärare")
    KURATOR = "Kurator", _("Kurator")
    SKOLSKOTERSKA = "Skolsköterska", _("Skolsköterska")
    SKOLLAKARE = "Skolläkare", _("Skolläkare")
    SKOLPSYKOLOG = "Skolpsykolog", _("Skolpsykolog")
    SPECIALPEDAGOG = "Speciallärare/specialpedagog", _("Speciallärare/specialpedagog")
    SKOLADMINISTRATOR = "Skoladministratör", _("Skoladministratör")
    OVRIG_ARBETSLEDNING = "Övrig arbetsledning", _("Övrig arbetsledning")
    OVRIG_PEDAGOGISK_PERSONAL = "Övrig pedagogisk personal", _("Övrig pedagogisk personal")
    FORSKOLECHEF = "Förskolechef", _("Förskolechef")


class AssignmentRoleType(models.TextChoices):
    MENTOR = "Mentor", _("Mentor")
    FORSKOLLARARE = "Förskollärare", _("Förskollärare")
    BARNSKOTARE = "Barnskötare", _("Barnskötare")
    FRITIDSPEDAGOG = "Fritidspedagog", _("Fritidspedagog")
    SPECIALPEDAGOG = "Specialpedagog", _("Specialpedagog")
    ELEVHALSOPERSONAL = "Elevhälsopersonal", _("Elevhälsopersonal")
    PEDAGOGISK_LEDARE = "Pedagogisk ledare", _("Pedagogisk ledare")
    SCHEMALAGGARE = "Schemaläggare", _("Schemaläggare")
    LARARASSISTENT = "Lärarassistent", _("Lärarassistent")
    ADMINISTRATIV_PERSONAL = "Administrativ personal", _("Administrativ personal")


class GroupType(models.TextChoices):
    UNDERVISNING = "Undervisning", _("Undervisning")
    KLASS = "Klass", _("Klass")
    MENTOR = "Mentor", _("Mentor")
    PROVGRUPP = "Provgrupp", _("Provgrupp")
    SCHEMA = "Schema", _("Schema")
    AVDELNING = "Avdelning", _("Avdelning")
    PERSONALGRUPP = "Personalgrupp", _("Personalgrupp")
    OVRIGT = "Övrigt", _("Övrigt")


class PlacementReason(models.TextChoices):
    OMSORGSBEHOV = "Omsorgsbehov", _("Omsorgsbehov")
    ERBJUDEN_TID = "Erbjuden tid", _("Erbjuden tid")
    EGET_BEHOV = "Eget behov", _("Eget behov")


class ProgrammeType(models.TextChoices):
    YRKESPROGRAM = "Yrkesprogram", _("Yrkesprogram")
    HOGSKOLEFORBEREDANDE = "Högskoleförberedande program", _("Högskoleförberedande program")
    # The spec misspells "Introduktionsprogram"; the value is kept as the spec has it.
    INTRODUKTIONSPROGRAM = "Intruduktionsprogram", _("Intruduktionsprogram")
    NATIONELLT_YRKESPAKET = "Nationellt yrkespaket", _("Nationellt yrkespaket")
    REGIONALT_YRKESPAKET = "Regionalt yrkespaket", _("Regionalt yrkespaket")
    FJARDE_TEKNISKT_AR = "Fjärde tekniskt år", _("Fjärde tekniskt år")
    PROGRAMINRIKTNING = "Programinriktning", _("Programinriktning")
    UTGANG = "Utgång", _("Utgång")


class ActivityType(models.TextChoices):
    UNDERVISNING = "Undervisning", _("Undervisning")
    ELEVAKTIVITET = "Elevaktivitet", _("Elevaktivitet")
    PROVAKTIVITET = "Provaktivitet", _("Provaktivitet")
    LARARAKTIVITET = "Läraraktivitet", _("Läraraktivitet")
    OVRIGT = "Övrigt", _("Övrigt")
