//! How names and phone numbers are compared: one folding used by search and by the
//! duplicate check at intake, so that what search finds and what intake warns about agree.
//!
//! - [`plain`]: lower case, diacritics removed ("Žilinskienė" → "zilinskiene", "Bērziņa" →
//!   "berzina", "Əliyeva" → "aliyeva"), Cyrillic transliterated ("Жилинскене" →
//!   "zilinskene").
//! - [`skeleton`]: what is left of a name once the usual spelling differences between the
//!   languages of the centres (Lithuanian, Latvian, Russian, Azerbaijani, English) are
//!   dropped: "zh/sh/ch/kh/ts" become one letter, "y" and "j" are "i", an "i" before another
//!   vowel goes ("ie" → "e": Lithuanian "-ienė" is written "-ене" in Russian), doubled
//!   letters are one. "Žilinskienė", "Zilinskiene" and "Жилинскене" all give "zilinskene";
//!   "Əliyeva", "Aliyeva" and "Алиева" give "aleva". It is lossy on purpose: it widens
//!   recall, and exact matches still rank first.
//! - [`phone_digits`] and [`same_phone`]: a phone number compared by its national number
//!   (country code and trunk prefix taken off), so "+370 612 34567", "8 612 34567" and
//!   "861234567" are one number, while the Azerbaijani "+994 50 123 45 67" and
//!   "+994 70 123 45 67" — nine-digit national numbers with the same last eight — are two.
//!   [`phone_key`] (the last eight digits) only finds the candidates.

/// The letters of a name, lower case, without diacritics, Cyrillic in Latin letters.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match latin(c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out
}

/// One letter's plain spelling, when it is not itself plain.
fn latin(c: char) -> Option<&'static str> {
    Some(match c {
        // Lithuanian, Latvian, Azerbaijani and the common Western letters.
        'ą' | 'ā' | 'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ə' => "a",
        'č' | 'ç' | 'ć' => "c",
        'ď' => "d",
        'ę' | 'ė' | 'ē' | 'è' | 'é' | 'ê' | 'ë' | 'ě' => "e",
        'ģ' | 'ğ' => "g",
        'į' | 'ī' | 'ı' | 'ì' | 'í' | 'î' | 'ï' => "i",
        'ķ' => "k",
        'ļ' | 'ł' => "l",
        'ņ' | 'ñ' | 'ń' | 'ň' => "n",
        'ō' | 'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
        'ŗ' | 'ř' => "r",
        'š' | 'ş' | 'ś' => "s",
        'ţ' | 'ť' => "t",
        'ų' | 'ū' | 'ù' | 'ú' | 'û' | 'ü' | 'ů' => "u",
        'ý' | 'ÿ' => "y",
        'ž' | 'ź' | 'ż' => "z",
        'ß' => "ss",
        // Russian (and the Cyrillic letters of its neighbours), one common romanisation.
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'е' | 'ё' | 'є' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' => "i",
        'ї' => "yi",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// The spelling-independent form of one word (see the module documentation).
pub fn skeleton(word: &str) -> String {
    let plain = plain(word);
    // Digraphs and letters that stand for one sound in another spelling.
    let mut s = String::with_capacity(plain.len());
    let chars: Vec<char> = plain.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let pair = matches!(
            (c, next),
            ('z' | 's' | 'c' | 'k', Some('h')) | ('t', Some('s'))
        );
        if pair {
            s.push(match c {
                'z' => 'z',
                's' => 's',
                'k' => 'h',
                _ => 'c', // "ch", "ts"
            });
            i += 2;
            continue;
        }
        s.push(match c {
            'y' | 'j' => 'i',
            'w' => 'v',
            'q' => 'k',
            'x' => 'x',
            other => other,
        });
        i += 1;
    }
    // Doubled letters are one.
    let mut single: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars() {
        if single.last() != Some(&c) {
            single.push(c);
        }
    }
    // An "i" before another vowel goes ("ie" → "e", "ia" → "a"), not at the start.
    let vowel = |c: Option<&char>| matches!(c, Some('a' | 'e' | 'o' | 'u'));
    let mut out = String::with_capacity(single.len());
    for (k, c) in single.iter().enumerate() {
        if *c == 'i' && k > 0 && vowel(single.get(k + 1)) {
            continue;
        }
        out.push(*c);
    }
    out
}

/// The words of a text, each as its skeleton (empty words dropped).
pub fn skeleton_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(skeleton)
        .filter(|w| !w.is_empty())
        .collect()
}

/// The digits of a phone number.
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// Whether a text looks like a phone number: only digits, spaces and `+ - ( ) . /`, with at
/// least seven digits.
pub fn looks_like_phone(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || " +-()./".contains(c))
        && text.chars().filter(char::is_ascii_digit).count() >= 7
}

/// How many trailing digits find a number's candidates: the national number of Lithuania
/// and Latvia, without the country code ("+370") or trunk prefix ("8", "0"); one digit short
/// of Azerbaijan's, so [`same_phone`] decides.
pub const PHONE_KEY_DIGITS: usize = 8;

/// The trailing digits a number is compared by (fewer when it has fewer than eight).
pub fn phone_key(phone: &str) -> Option<String> {
    let digits = phone_digits(phone);
    if digits.len() < 7 {
        return None;
    }
    let n = digits.len().min(PHONE_KEY_DIGITS);
    Some(digits[digits.len() - n..].to_owned())
}

/// The calling codes of the countries Atrama serves (Lithuania, Latvia, Azerbaijan).
const COUNTRY_CODES: [&str; 3] = ["370", "371", "994"];

/// A number as its country code (when written with one of [`COUNTRY_CODES`]) and the rest:
/// the international prefix ("+" or "00") and the country code taken off, or else a trunk
/// prefix ("8" in Lithuania, "0") before a national number of eight or nine digits.
fn national(phone: &str) -> (Option<&'static str>, String) {
    let digits = phone_digits(phone);
    let digits = digits.strip_prefix("00").unwrap_or(&digits);
    for cc in COUNTRY_CODES {
        if digits.len() >= cc.len() + 8
            && let Some(rest) = digits.strip_prefix(cc)
        {
            return (Some(cc), rest.to_owned());
        }
    }
    let rest = match digits.len() {
        9 | 10 => digits.strip_prefix(['8', '0']).unwrap_or(digits),
        _ => digits,
    };
    (None, rest.to_owned())
}

/// Whether two phone numbers are the same number written differently: both have at least
/// seven digits; written with two different country codes they are not; two whole national
/// numbers (eight or nine digits: Lithuania, Latvia, Azerbaijan) are the same only when
/// equal — "+994 50 123 45 67" and "+994 70 123 45 67" are two people, though their last
/// eight digits agree; otherwise the shorter key is the end of the other's digits.
pub fn same_phone(a: &str, b: &str) -> bool {
    let (Some(ka), Some(kb)) = (phone_key(a), phone_key(b)) else {
        return false;
    };
    let ((ca, na), (cb, nb)) = (national(a), national(b));
    if let (Some(x), Some(y)) = (ca, cb)
        && x != y
    {
        return false;
    }
    let whole = |n: &str| (8..=9).contains(&n.len());
    if whole(&na) && whole(&nb) {
        return na == nb;
    }
    let (da, db) = (phone_digits(a), phone_digits(b));
    if ka.len() <= kb.len() {
        db.ends_with(&ka)
    } else {
        da.ends_with(&kb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lithuanian_latvian_russian_and_azerbaijani_spellings_fold_together() {
        for (a, b) in [
            ("Žilinskienė", "Zilinskiene"),
            ("Žilinskienė", "Жилинскене"),
            ("Žilinskienė", "ZILINSKIENE"),
            ("Bērziņa", "Berzina"),
            ("Bērziņa", "Берзиня"),
            ("Ozoliņš", "Озолиньш"),
            ("Əliyeva", "Aliyeva"),
            ("Əliyeva", "Алиева"),
            ("Şükürova", "Shukurova"),
            ("Şükürova", "Шукурова"),
            ("Ševčenko", "Шевченко"),
            ("Shevchenko", "Шевченко"),
            ("Mammadova", "Məmmədova"),
            ("Кузнецова", "Kuznetsova"),
            ("Ёлкина", "Elkina"),
        ] {
            assert_eq!(skeleton(a), skeleton(b), "{a} / {b}");
        }
        assert_eq!(skeleton("Žilinskienė"), "zilinskene");
    }

    #[test]
    fn different_names_stay_apart() {
        for (a, b) in [
            ("Žilinskienė", "Žilinskaitė"),
            ("Petrauskienė", "Petraitienė"),
            ("Ivanova", "Ivanov"),
            ("Bērziņa", "Bērziņš"),
        ] {
            assert_ne!(skeleton(a), skeleton(b), "{a} / {b}");
        }
    }

    #[test]
    fn plain_removes_diacritics_and_case_only() {
        assert_eq!(plain("Žemaitė Šarūnė"), "zemaite sarune");
        assert_eq!(plain("Ļena"), "lena");
        assert_eq!(plain("Əli"), "ali");
    }

    #[test]
    fn phone_numbers_are_one_number_in_every_spelling() {
        let stored = "+370 612 34567";
        for typed in [
            "+37061234567",
            "861234567",
            "8 612 34567",
            "(8-612) 34 567",
            "0037061234567",
            "61234567",
            "1234567",
        ] {
            assert!(same_phone(stored, typed), "{typed}");
            assert!(same_phone(typed, stored), "{typed} (other way)");
        }
        for other in [
            "+370 612 34568",
            "861234568",
            "123456",
            "",
            "+371 612 34560",
        ] {
            assert!(!same_phone(stored, other), "{other}");
        }
        assert!(looks_like_phone("+370 (612) 34-567"));
        assert!(!looks_like_phone("KLP-01-2026-0094"));
        assert_eq!(phone_key("+370 612 34567").as_deref(), Some("61234567"));
    }
}
