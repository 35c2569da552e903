use super::*;

fn set(names: &[&str]) -> SiteConfigs {
    SiteConfigs::from_files(
        names
            .iter()
            .map(|n| ((*n).to_owned(), format!("body: //div[@id='{n}']\n"))),
    )
}

fn resolved(configs: &SiteConfigs, url: &str) -> Option<String> {
    let url = Url::parse(url).unwrap();
    configs
        .for_url(&url)
        .and_then(|r| r.site)
        .map(|c| c.file.to_string())
}

#[test]
fn www_is_dropped_and_the_exact_file_comes_first() {
    let configs = set(&["outlet.example.txt", ".outlet.example.txt"]);
    assert_eq!(
        resolved(&configs, "https://www.outlet.example/a").as_deref(),
        Some("outlet.example.txt")
    );
    assert_eq!(
        resolved(&configs, "https://OUTLET.example./a").as_deref(),
        Some("outlet.example.txt")
    );
    assert_eq!(
        resolved(&configs, "https://news.outlet.example/a").as_deref(),
        Some(".outlet.example.txt")
    );
}

#[test]
fn wildcard_files_match_the_host_and_every_parent_domain() {
    let configs = set(&[".outlet.example.txt", ".deep.outlet.example.txt"]);
    assert_eq!(
        resolved(&configs, "https://outlet.example/").as_deref(),
        Some(".outlet.example.txt")
    );
    assert_eq!(
        resolved(&configs, "https://a.b.outlet.example/").as_deref(),
        Some(".outlet.example.txt")
    );
    assert_eq!(
        resolved(&configs, "https://x.deep.outlet.example/").as_deref(),
        Some(".deep.outlet.example.txt")
    );
    assert_eq!(resolved(&configs, "https://other.example/"), None);
    // A bare top-level domain is no wildcard.
    assert_eq!(
        resolved(&set(&[".example.txt"]), "https://outlet.example/"),
        None
    );
}

#[test]
fn ip_hosts_match_only_their_exact_file() {
    let configs = set(&["127.0.0.1.txt", ".0.0.1.txt"]);
    assert_eq!(
        resolved(&configs, "http://127.0.0.1:8080/a").as_deref(),
        Some("127.0.0.1.txt")
    );
    assert_eq!(resolved(&set(&[".0.0.1.txt"]), "http://127.0.0.1/a"), None);
}

#[test]
fn global_is_merged_after_the_site_unless_autodetection_is_off() {
    let files = |site: &str| {
        SiteConfigs::from_files([
            ("outlet.example.txt".to_owned(), site.to_owned()),
            (
                "global.txt".to_owned(),
                "body: //main\nprune: no\nstrip: //aside\n".to_owned(),
            ),
        ])
    };
    let url = Url::parse("https://outlet.example/a").unwrap();
    let configs = files("body: //article\n");
    let r = configs.for_url(&url).unwrap();
    let bodies: Vec<_> = r
        .rules(|c| &c.body)
        .map(|b| b.value.source().to_owned())
        .collect();
    assert_eq!(bodies, ["//article", "//main"]);
    assert_eq!(r.switch(|c| &c.prune).map(|p| p.value), Some(false));
    let off = files("body: //article\nautodetect_on_failure: no\n");
    assert!(off.for_url(&url).unwrap().global.is_none());
    // A host without a file of its own still gets global.txt.
    let other = Url::parse("https://other.example/").unwrap();
    assert!(configs.for_url(&other).unwrap().site.is_none());
}
