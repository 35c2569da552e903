//! What each method made of a page where detection found nothing, for
//! `refeed try` to show: detection reports only that it failed, so the
//! page is surveyed again here (`scrape::discover::survey`, pure) and each
//! method's finding put in words, teaser groups ranked by score.

use url::Url;

use crate::model::Method;
use crate::pipeline::discover::Considered;
use crate::scrape::discover::{self, Survey};

/// Every method's finding on `html` (the page at `url`); empty when the
/// page cannot even be surveyed (a parse bomb, refused unparsed).
pub fn from_page(html: &str, url: &Url) -> Vec<Considered> {
    match discover::survey(html, url) {
        Ok(survey) => from_survey(&survey),
        Err(err) => vec![plain(Method::Teasers, 0, format!("page not read: {err}"))],
    }
}

/// The survey's findings in the order methods are tried.
fn from_survey(survey: &Survey) -> Vec<Considered> {
    let mut out = vec![feed(survey), wordpress(survey), structured(survey)];
    if survey.teasers.is_empty() {
        out.push(plain(
            Method::Teasers,
            0,
            "no repeated teaser blocks".into(),
        ));
    }
    for group in &survey.teasers {
        let verdict = if group.accepted { "taken" } else { "rejected" };
        out.push(Considered {
            method: Method::Teasers,
            items: group.items.len(),
            score: Some(group.score),
            verdict: format!("{verdict}: {}", group.why),
            pattern: Some(group.pattern.clone()),
        });
    }
    out
}

fn feed(survey: &Survey) -> Considered {
    let verdict = if survey.feeds.is_empty() {
        "the page is not a feed and advertises none".to_owned()
    } else {
        let feeds: Vec<&str> = survey.feeds.iter().map(Url::as_str).collect();
        format!("the page is not a feed; it advertises {}", feeds.join(", "))
    };
    plain(Method::Feed, 0, verdict)
}

fn wordpress(survey: &Survey) -> Considered {
    let verdict = match &survey.wordpress {
        Some(archive) => format!(
            "a WordPress archive ({}), but its REST API gave no posts here ({})",
            archive.why, archive.api
        ),
        None => "not a WordPress archive".to_owned(),
    };
    plain(Method::Wordpress, 0, verdict)
}

fn structured(survey: &Survey) -> Considered {
    match &survey.structured {
        Some(found) => plain(Method::Structured, found.items.len(), found.why.clone()),
        None => plain(
            Method::Structured,
            0,
            "no list of articles in JSON-LD or app state".to_owned(),
        ),
    }
}

fn plain(method: Method, items: usize, verdict: String) -> Considered {
    Considered {
        method,
        items,
        score: None,
        verdict,
        pattern: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TeaserPattern;
    use crate::scrape::discover::TeaserGroup;

    #[test]
    fn every_method_is_accounted_for_teaser_groups_with_scores() {
        let survey = Survey {
            feeds: vec![Url::parse("https://a.example/feed/").unwrap()],
            teasers: vec![TeaserGroup {
                pattern: TeaserPattern {
                    item: "aside li".into(),
                    title: "a".into(),
                    link: "a".into(),
                    date: None,
                    summary: None,
                    author: None,
                    image: None,
                },
                score: 1.5,
                items: Vec::new(),
                accepted: false,
                why: "3 links in a sidebar box".into(),
            }],
            ..Survey::default()
        };
        let considered = from_survey(&survey);
        let methods: Vec<_> = considered.iter().map(|c| c.method).collect();
        assert_eq!(
            methods,
            [
                Method::Feed,
                Method::Wordpress,
                Method::Structured,
                Method::Teasers
            ]
        );
        assert!(considered[0].verdict.contains("https://a.example/feed/"));
        assert_eq!(considered[3].score, Some(1.5));
        assert_eq!(considered[3].verdict, "rejected: 3 links in a sidebar box");
    }

    #[test]
    fn a_page_with_nothing_says_so_for_each_method() {
        let url = Url::parse("https://a.example/").unwrap();
        let considered = from_page("<p>Hello</p>", &url);
        assert_eq!(considered.len(), 4);
        assert!(considered.iter().all(|c| c.items == 0));
    }
}
