use super::*;

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

fn allowing(hosts: &[&str]) -> Access {
    Access::new(hosts.iter().map(|h| h.parse().unwrap()).collect())
}

fn refusal(access: &Access, text: &str) -> String {
    access.route(&url(text)).unwrap_err().to_string()
}

#[test]
fn allow_hosts_entries_parse_as_networks_addresses_and_names() {
    let parsed = |text: &str| text.parse::<AllowHost>();
    let network = |addr: &str, prefix| AllowHost::Network {
        addr: addr.parse().unwrap(),
        prefix,
    };
    assert_eq!(parsed("10.0.0.0/8"), Ok(network("10.0.0.0", 8)));
    assert_eq!(parsed("192.168.1.5"), Ok(network("192.168.1.5", 32)));
    assert_eq!(parsed("fd00::/8"), Ok(network("fd00::", 8)));
    assert_eq!(parsed("[::1]"), Ok(network("::1", 128)));
    assert_eq!(parsed("2130706433"), Ok(network("127.0.0.1", 32)));
    assert_eq!(
        parsed("Wiki.Internal"),
        Ok(AllowHost::Name("wiki.internal".into()))
    );
}

#[test]
fn bad_allow_hosts_entries_say_what_is_wrong() {
    let err = |text: &str| text.parse::<AllowHost>().unwrap_err();
    assert!(
        err("10.0.0.1/8").contains("did you mean 10.0.0.0/8?"),
        "{}",
        err("10.0.0.1/8")
    );
    assert!(err("10.0.0.0/33").contains("longer than 32 bits"));
    assert!(err("10.0.0.0/x").contains("not a network"));
    assert!(err("http://wiki.internal/").contains("no scheme, port or path"));
    assert!(err("wiki.internal:8080").contains("no scheme, port or path"));
    assert!(err("").contains("is not a host name"));
    assert!(err("bad host").contains("not a valid host name"));
}

#[test]
fn ip_literals_outside_allowed_origins_are_refused_with_their_kind() {
    let access = Access::default();
    assert_eq!(
        refusal(&access, "http://10.0.0.1/admin"),
        "10.0.0.1 is a private address; allow it with [fetch] allow_hosts"
    );
    assert!(refusal(&access, "http://169.254.169.254/latest/").contains("link-local"));
    assert!(refusal(&access, "http://[::ffff:127.0.0.1]:9/").contains("loopback"));
    assert!(refusal(&access, "http://[fe80::1]/").contains("link-local"));
    assert_eq!(
        access.route(&url("http://93.184.215.14/")),
        Ok(Route::Checked)
    );
    // Names are for the resolver.
    assert_eq!(
        access.route(&url("http://localhost:1/")),
        Ok(Route::Checked)
    );
}

#[test]
fn the_url_crate_turns_decimal_hex_octal_and_scheme_relative_forms_into_literals() {
    let access = Access::default();
    let base = url("http://news.test/list");
    for link in [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "//127.0.0.1:9/",
        "http://[0:0:0:0:0:ffff:7f00:1]/",
    ] {
        let resolved = base.join(link).unwrap();
        let message = access.route(&resolved).unwrap_err().to_string();
        assert!(message.contains("a loopback address"), "{link}: {message}");
    }
}

#[test]
fn a_configured_origin_is_trusted_but_not_its_other_ports_or_schemes() {
    let mut access = Access::default();
    access.allow_origin(&url("http://127.0.0.1:4000/news"));
    access.allow_origin(&url("http://wiki.internal:8080/"));
    assert_eq!(
        access.route(&url("http://127.0.0.1:4000/a")),
        Ok(Route::Trusted)
    );
    assert!(access.route(&url("http://127.0.0.1:4001/a")).is_err());
    assert!(access.route(&url("https://127.0.0.1:4000/a")).is_err());
    assert_eq!(
        access.route(&url("http://WIKI.internal:8080/x")),
        Ok(Route::Trusted)
    );
    // Another port of a source host goes through the checked resolver.
    assert_eq!(
        access.route(&url("http://wiki.internal:22/")),
        Ok(Route::Checked)
    );
}

#[test]
fn allow_hosts_networks_admit_literals_at_any_port() {
    let access = allowing(&["10.0.0.0/8", "127.0.0.1"]);
    assert_eq!(
        access.route(&url("http://10.9.8.7:81/")),
        Ok(Route::Checked)
    );
    assert_eq!(
        access.route(&url("http://127.0.0.1:9/")),
        Ok(Route::Checked)
    );
    assert_eq!(
        access.route(&url("http://[::ffff:127.0.0.1]:9/")),
        Ok(Route::Checked)
    );
    assert!(access.route(&url("http://127.0.0.2:9/")).is_err());
    assert!(access.route(&url("http://11.0.0.1/")).is_ok());
}

#[test]
fn the_own_listen_address_is_refused_even_when_allowed() {
    let mut access = allowing(&["127.0.0.0/8"]);
    access.allow_origin(&url("http://127.0.0.1:8080/"));
    access.forbid_listen("127.0.0.1:8080".parse().unwrap());
    assert_eq!(
        refusal(&access, "http://127.0.0.1:8080/feeds/a.rss"),
        "127.0.0.1:8080 is refeed's own listen address ([server] listen)"
    );
    assert!(access.is_own_listen(&url("http://127.0.0.1:8080/")));
    assert!(!access.is_own_listen(&url("http://127.0.0.1:8081/")));
    assert!(access.route(&url("http://127.0.0.2:8080/")).is_ok());
}

#[test]
fn a_wildcard_listen_covers_every_local_address_at_its_port() {
    let mut access = allowing(&["0.0.0.0/0"]);
    access.forbid_listen("0.0.0.0:8080".parse().unwrap());
    assert!(access.route(&url("http://127.0.0.1:8080/")).is_err());
    assert!(access.route(&url("http://127.0.0.5:8080/")).is_err());
    assert!(access.route(&url("http://0.0.0.0:8080/")).is_err());
    assert!(access.route(&url("http://127.0.0.1:8081/")).is_ok());
    // 192.0.2.1 (documentation) is no address of this machine.
    assert!(access.route(&url("http://192.0.2.1:8080/")).is_ok());
}
