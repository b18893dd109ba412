"""Hold the Swedish names and place words the demo and the register generator draw from.

Given names are common in SCB's name statistics for the birth years they are used for;
family names are among SCB's most common. Street names are generic Swedish ones that
exist in most towns, so no address points at a real household.
"""

GIRLS = (
    "Alice", "Maja", "Elsa", "Astrid", "Wilma", "Freja", "Olivia", "Selma", "Alma", "Ebba",
    "Vera", "Saga", "Agnes", "Ella", "Stella", "Signe", "Alva", "Lilly", "Ellen", "Clara",
    "Elvira", "Nova", "Leah", "Ines", "Molly", "Julia", "Majken", "Tyra", "Edith", "Ida",
    "Emma", "Elin", "Hanna", "Matilda", "Moa", "Felicia", "Linnea", "Klara", "Lova", "Thea",
    "Ellie", "Ester", "Luna", "Iris", "Sigrid", "Juni", "Hedda", "Liv", "Sara", "Hilda",
)  # fmt: skip

BOYS = (
    "Noah", "William", "Hugo", "Lucas", "Liam", "Oliver", "Elias", "Adam", "Alexander", "Oscar",
    "Leo", "Vincent", "Theo", "Nils", "Charlie", "Ludvig", "Harry", "Gabriel", "Axel", "Isak",
    "Olle", "Elton", "Arvid", "Malte", "Love", "Melvin", "Edvin", "Valter", "Viktor", "Filip",
    "Wilmer", "Sixten", "Matteo", "Frans", "Alfred", "Ebbe", "Loke", "Sam", "Emil", "Anton",
    "Erik", "Albin", "Melker", "Jack", "Theodor", "August", "Casper", "Gustav", "Leon", "Omar",
)  # fmt: skip

WOMEN = (
    "Anna", "Maria", "Sara", "Emma", "Johanna", "Linda", "Sofia", "Karin", "Jenny", "Malin",
    "Hanna", "Elin", "Jessica", "Frida", "Emelie", "Ida", "Caroline", "Lisa", "Camilla",
    "Therese", "Helena", "Sandra", "Josefin", "Maja", "Matilda", "Louise", "Amanda", "Julia",
    "Petra", "Madeleine", "Cecilia", "Ulrika", "Sanna", "Annika", "Jennie", "Linnéa", "Fatima",
    "Sofie", "Åsa", "Katarina",
)  # fmt: skip

MEN = (
    "Johan", "Andreas", "Daniel", "Fredrik", "Marcus", "Mikael", "Erik", "Niklas", "Anders",
    "Martin", "Magnus", "Jonas", "David", "Patrik", "Mattias", "Henrik", "Peter", "Christoffer",
    "Alexander", "Simon", "Jonathan", "Robin", "Tobias", "Joakim", "Oskar", "Viktor",
    "Sebastian", "Emil", "Anton", "Per", "Stefan", "Thomas", "Jimmy", "Kristoffer", "Mohammed",
    "Ahmed", "Rasmus", "Jesper", "Kim", "Oscar",
)  # fmt: skip

FAMILY_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
    "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström", "Lindqvist",
    "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist",
    "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg",
    "Ali", "Wallin", "Mohammed", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson",
    "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson",
    "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg",
    "Blomqvist", "Claesson", "Nordström", "Mårtensson", "Lundström", "Ahmed", "Viklund",
    "Björklund", "Eliasson", "Pålsson", "Hassan", "Berggren", "Sandström", "Lund", "Nordin",
    "Ström", "Åberg", "Hermansson", "Ekström", "Holmgren", "Sundberg", "Hedlund", "Dahlberg",
    "Hellström", "Sjögren", "Abdi", "Månsson", "Martinsson", "Öberg", "Strömberg", "Dahl",
    "Åkesson", "Jonasson",
)  # fmt: skip

STREETS = (
    "Storgatan", "Kyrkogatan", "Skolgatan", "Drottninggatan", "Kungsgatan", "Prästgatan",
    "Ringvägen", "Björkvägen", "Tallvägen", "Granvägen", "Lönnvägen", "Ekvägen", "Rönnvägen",
    "Almvägen", "Linvägen", "Sjövägen", "Ängsvägen", "Backvägen", "Klövervägen",
    "Blåklintsvägen", "Smedjegatan", "Nygatan", "Östra Långgatan", "Västra Långgatan",
    "Järnvägsgatan", "Hamngatan", "Södra Allén", "Norra Ringvägen", "Parkgatan",
    "Trädgårdsgatan",
)  # fmt: skip

# Words for generated school and preschool names ("Björkskolan", "Förskolan Humlan").
SCHOOL_WORDS = (
    "Björk", "Ek", "Lind", "Tall", "Gran", "Rönn", "Asp", "Lönn", "Hassel", "Ask", "Alm",
    "Hägg", "Oxel", "Sol", "Stjärn", "Äng", "Sjö", "Berg", "Dal", "Hag", "Lunda", "Bäck",
    "Kulla", "Strand", "Ud", "Vik", "Näs", "Hov", "Mal", "Tuna", "Åsen", "Ängs", "Hed",
    "Kvarn", "Torp", "Lid", "Myr", "Mo", "Ström", "Ö",
)  # fmt: skip
PRESCHOOL_WORDS = (
    "Humlan", "Myran", "Nyckelpigan", "Fjärilen", "Ekorren", "Igelkotten", "Solrosen",
    "Blåklinten", "Prästkragen", "Tallbacken", "Uggleboet", "Vitsippan", "Blåbäret",
    "Lingonet", "Smultronet", "Kotten", "Trollet", "Regnbågen", "Stjärnan", "Månen",
)  # fmt: skip
DEPARTMENT_NAMES = (
    "Solen", "Månen", "Stjärnan", "Regnbågen", "Molnet", "Vinden", "Bäcken", "Skogen",
    "Ängen", "Berget",
)  # fmt: skip
DISTRICTS = ("Norra", "Södra", "Östra", "Västra", "Centrala", "Nya", "Gamla", "Övre", "Nedre")
