//! Short notes newsrooms and blog platforms print around a story in fixed
//! wording: the print-edition note, calls to follow the outlet, and the
//! placeholders of an empty comment section. They are known by their words
//! rather than by their class names, which vary with every theme.

/// Notes longer than this (characters of normalized text) are prose.
const NOTE_MAX_CHARS: usize = 120;

/// A print-edition note ("A version of this article appeared in print on
/// 11/06/2012, on page D6 of the New York edition with the headline: …")
/// is a sentence or two, never this long.
const PRINT_NOTE_MAX_CHARS: usize = 400;

/// How print-edition notes start (New York Times, Wall Street Journal and
/// the papers that copied the wording).
const PRINT_NOTE_STARTS: &[&str] = &[
    "a version of this article appeared",
    "a version of this article appears",
    "a version of this story appeared",
    "a version of this story appears",
];

/// Social networks a "follow us" call names.
const NETWORKS: &[&str] = &[
    "twitter",
    "facebook",
    "instagram",
    "google+",
    "linkedin",
    "pinterest",
    "youtube",
];

/// Words that start a call to follow the outlet on a network.
const CALL_STARTS: &[&str] = &[
    "follow",
    "like us",
    "find us",
    "join us",
    "add us",
    "connect with us",
];

/// Whole texts of an empty comment section's labels, digits written as `#`
/// ("Comments (0)", "0 Comments").
const COMMENT_PLACEHOLDERS: &[&str] = &[
    "no comments yet",
    "no comments",
    "leave a comment",
    "leave a reply",
    "add comment",
    "add a comment",
    "post a comment",
    "be the first to comment",
    "comments (#)",
    "# comments",
    "comments #",
];

/// Whether a block's normalized `text` (`chars` long) is one of the notes
/// this module knows.
pub(super) fn is_note(text: &str, chars: usize) -> bool {
    is_print_note(text, chars)
        || chars <= NOTE_MAX_CHARS && (is_follow_call(text) || is_comment_placeholder(text))
}

fn is_print_note(text: &str, chars: usize) -> bool {
    chars <= PRINT_NOTE_MAX_CHARS && PRINT_NOTE_STARTS.iter().any(|s| text.starts_with(s))
}

/// "Follow @NBCNewsWorld", "Like us on Facebook!", "Follow World News on
/// Twitter and Facebook".
fn is_follow_call(text: &str) -> bool {
    let Some(rest) = CALL_STARTS
        .iter()
        .find_map(|s| text.strip_prefix(s))
        .filter(|rest| rest.starts_with(' '))
    else {
        return false;
    };
    let handle = rest.trim_start().starts_with('@') && !rest.trim().contains(' ');
    handle || NETWORKS.iter().any(|n| rest.contains(&format!("on {n}")))
}

fn is_comment_placeholder(text: &str) -> bool {
    let trimmed = text.trim_matches(|c: char| !c.is_alphanumeric() && c != '(' && c != ')');
    // Each run of digits becomes one `#`.
    let mut label = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if !c.is_ascii_digit() {
            label.push(c);
        } else if !label.ends_with('#') {
            label.push('#');
        }
    }
    COMMENT_PLACEHOLDERS.contains(&label.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str) -> bool {
        is_note(text, text.chars().count())
    }

    #[test]
    fn print_edition_notes_are_notes() {
        assert!(note(
            "a version of this article appeared in print on 11/06/2012, on page d6 of the \
             newyork edition with the headline: regimes: for omega-3s, fish may do."
        ));
        assert!(note(
            "a version of this article appeared october 29, 2012, on page b13 in the u.s. \
             edition of the wall street journal, with the headline: displays give a boost."
        ));
        assert!(!note("a version of the bill passed the senate on tuesday."));
    }

    #[test]
    fn calls_to_follow_are_notes_but_sentences_about_following_are_not() {
        for call in [
            "follow @nbcnewsworld",
            "follow @gossipcop on twitter!",
            "like us on facebook!",
            "follow world news on nbcnews.com on twitter and facebook",
            "add us on google+",
        ] {
            assert!(note(call), "{call}");
        }
        for prose in [
            "follow the money, the senator said.",
            "followers on twitter doubled after the speech.",
            "follow @ the end of the day",
        ] {
            assert!(!note(prose), "{prose}");
        }
    }

    #[test]
    fn empty_comment_section_labels_are_notes() {
        for label in [
            "no comments yet.",
            "comments (0)",
            "12 comments",
            "leave a comment",
            "add comment",
        ] {
            assert!(note(label), "{label}");
        }
        assert!(!note("no comment was made by the ministry."));
    }
}
