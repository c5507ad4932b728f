"""Flemish-looking names for the population generator: common surnames, first names, places.

Lists of common names in Flanders, combined at random: no generated person is a real one.
"""

from __future__ import annotations

__all__ = ["BOYS", "GIRLS", "MUNICIPALITIES", "PRIMARY_NAMES", "SECONDARY_NAMES", "SURNAMES"]

SURNAMES: tuple[str, ...] = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Vermeulen", "Hermans", "Aerts", "Michiels", "Pauwels", "Desmet",
    "Van den Bossche", "De Clercq", "Martens", "Smets", "Verhoeven", "Van Damme", "Claeys",
    "Dierckx", "Segers", "Van de Velde", "Lemmens", "Verstraete", "Stevens", "Cools",
    "De Backer", "Wuyts", "Geerts", "Hendrickx", "Van Dyck", "Coppens", "De Vos", "Bogaert",
    "Mahieu", "Verbruggen", "De Wilde", "Vandenberghe", "Thys", "Sels", "Luyten", "Huybrechts",
    "Verlinden", "Baert", "Vanhove", "De Meyer", "Van Hoof", "Vervoort", "Nijs", "Bosmans",
    "Engelen", "Vandamme", "De Cock", "Maenhout", "Lambrechts", "Verschueren", "Moens",
    "Van Acker", "Daems", "De Ridder", "Smet", "Leysen", "Boeckx", "Cuypers", "Verhaegen",
    "Van Gestel", "Schepers", "Van Looy", "Govaerts", "Bertels", "Vanderstraeten", "Dewulf",
    "Vercammen", "Van Camp", "Sterckx", "Wijns", "Van Hecke", "Buyse", "Devos", "Bracke",
    "El Amrani", "Yilmaz", "Kaya", "Benali", "Nowak", "Kowalski", "Diallo", "Haddad",
)  # fmt: skip

BOYS: tuple[str, ...] = (
    "Noah", "Arthur", "Jules", "Louis", "Lucas", "Adam", "Liam", "Victor", "Finn", "Mats",
    "Vic", "Lowie", "Leon", "Oscar", "Elias", "Mathis", "Warre", "Stan", "Seppe", "Wout",
    "Matteo", "Lars", "Rune", "Jasper", "Senne", "Milan", "Nand", "Tuur", "Lander", "Thijs",
    "Kobe", "Robbe", "Brent", "Jarne", "Ferre", "Wannes", "Mohamed", "Ayoub", "Emir", "Yusuf",
)  # fmt: skip

GIRLS: tuple[str, ...] = (
    "Olivia", "Emma", "Louise", "Mila", "Marie", "Elena", "Lina", "Nora", "Juliette", "Ella",
    "Fien", "Lotte", "Noor", "Lore", "Hanne", "Sara", "Lisa", "Amber", "Febe", "Jana",
    "Lena", "Roos", "Ines", "Zoë", "Anna", "Elise", "Laura", "Margot", "Axelle", "Liv",
    "Emily", "Jitse", "Fleur", "Nina", "Yasmina", "Amira", "Sofia", "Hiba", "Aya", "Kato",
)  # fmt: skip

MUNICIPALITIES: tuple[str, ...] = (
    "Aalst", "Antwerpen", "Brugge", "Gent", "Hasselt", "Leuven", "Mechelen", "Kortrijk",
    "Oostende", "Genk", "Roeselare", "Turnhout", "Sint-Niklaas", "Beveren", "Lier", "Geel",
    "Dendermonde", "Vilvoorde", "Ieper", "Tienen", "Mol", "Lokeren", "Waregem", "Herentals",
    "Tongeren", "Diest", "Ninove", "Oudenaarde", "Tielt", "Maaseik", "Zottegem", "Eeklo",
    "Halle", "Asse", "Brasschaat", "Schoten", "Deinze", "Wetteren", "Bilzen", "Lommel",
)  # fmt: skip

PRIMARY_NAMES: tuple[str, ...] = (
    "Basisschool De Regenboog", "Vrije Basisschool Sint-Jan", "Gemeentelijke Basisschool",
    "GO! Basisschool De Klimtoren", "Basisschool Het Klavertje", "Vrije Basisschool De Vlinder",
    "Basisschool De Zonnebloem", "Stedelijke Basisschool Het Anker",
)  # fmt: skip

SECONDARY_NAMES: tuple[str, ...] = (
    "Sint-Jozefscollege", "GO! Atheneum", "Sint-Ursula-Instituut", "Sint-Lodewijkscollege",
    "Technisch Instituut Sint-Vincentius", "Stedelijk Lyceum", "Heilig-Hartcollege",
    "Sint-Pietersinstituut",
)  # fmt: skip
