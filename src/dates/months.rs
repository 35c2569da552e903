//! Month names in the languages outlets print dates in: English, Spanish,
//! French, German, Portuguese, Italian and Dutch, with their usual
//! abbreviations read as prefixes ("Oct.", "sept", "févr.", "März", "out.").

/// Full month names, lower-case, January first, per language.
const NAMES: [[&str; 12]; 7] = [
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    [
        "januar",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ],
    [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
    [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
];

/// Spellings that are not a prefix of a full name: Austrian "Jänner",
/// Spanish "setiembre", French "fevrier"/"aout"/"decembre" typed without
/// accents, German "Maerz".
const VARIANTS: [(&str, u32); 6] = [
    ("jänner", 1),
    ("setiembre", 9),
    ("fevrier", 2),
    ("aout", 8),
    ("decembre", 12),
    ("maerz", 3),
];

/// The month (1–12) a lower-case word names: a prefix of at least three
/// letters of a month's name in one of the languages, when every name it
/// begins names the same month ("jui" could be juin or juillet: none).
pub(super) fn number(word: &str) -> Option<u32> {
    if word.chars().count() < 3 {
        return None;
    }
    let mut found = None;
    let names = NAMES.iter().flat_map(|lang| lang.iter().zip(1..));
    let variants = VARIANTS.iter().map(|(name, m)| (name, *m));
    for (name, month) in names.chain(variants) {
        if name.starts_with(word) {
            match found {
                Some(m) if m != month => return None,
                _ => found = Some(month),
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn names_and_abbreviations_in_each_language() {
        let cases = [
            ("october", 10),
            ("oct", 10),
            ("sept", 9),
            ("octubre", 10),
            ("dic", 12),
            ("févr", 2),
            ("juil", 7),
            ("août", 8),
            ("märz", 3),
            ("okt", 10),
            ("dez", 12),
            ("jänner", 1),
            ("março", 3),
            ("out", 10),
            ("set", 9),
            ("maggio", 5),
            ("mei", 5),
        ];
        for (word, month) in cases {
            assert_eq!(number(word), Some(month), "{word}");
        }
    }

    #[test]
    fn short_ambiguous_or_unknown_words_are_not_months() {
        for word in ["ma", "jui", "ju", "posted", "de", "marketing"] {
            assert_eq!(number(word), None, "{word}");
        }
    }
}
