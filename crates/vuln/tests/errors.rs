//! Error shapes on small own inputs: wrong formats, garbage, non-UTF-8.

use steward_vuln::{import, Format};

#[test]
fn auto_detects_each_format() {
    let cases: [(&str, Format); 4] = [
        (
            "{\"template-id\":\"t\",\"host\":\"a.example\"}\n",
            Format::Nuclei,
        ),
        ("<NessusClientData_v2/>", Format::Nessus),
        (
            "<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun>\n<nmaprun/>",
            Format::Nmap,
        ),
        (
            "<report id=\"1\"><report><results/></report></report>",
            Format::OpenVas,
        ),
    ];
    for (text, format) in cases {
        let r = import(text.as_bytes(), Format::Auto).unwrap();
        assert_eq!(r.format, format, "{text}");
    }
}

#[test]
fn wrong_root_is_an_error() {
    let e = import(b"<?xml version=\"1.0\"?>\n<html/>", Format::Auto).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2, column 1: unknown XML report root <html>"
    );
    let e = import(b"<nmaprun/>", Format::Nessus).unwrap_err();
    assert!(e.message.contains("expected <NessusClientData_v2>"), "{e}");
}

#[test]
fn unclosed_element_names_position() {
    let text = "<NessusClientData_v2>\n<Report>\n<ReportHost name=\"a\">\n";
    let e = import(text.as_bytes(), Format::Nessus).unwrap_err();
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.to_string().starts_with("line 4, column 1: "), "{e}");
}

#[test]
fn non_utf8_points_at_byte() {
    let e = import(b"<nmaprun>\n<host \xfe/></nmaprun>", Format::Auto).unwrap_err();
    assert_eq!(
        (e.line, e.column, e.byte_offset),
        (Some(2), Some(7), Some(16))
    );
}

#[test]
fn garbage_is_rejected() {
    for g in [
        &b""[..],
        b"   ",
        b"hello",
        b"\x00\x01",
        b"<",
        b"{",
        b"[1,2]",
        b"<a><b></a>",
    ] {
        assert!(import(g, Format::Auto).is_err(), "{g:?}");
    }
    assert!(import(b"", Format::Nuclei).unwrap().findings.is_empty());
}

#[test]
fn bom_is_accepted_and_offsets_count_it() {
    let r = import("\u{feff}<nmaprun/>".as_bytes(), Format::Auto).unwrap();
    assert_eq!(r.format, Format::Nmap);
    let e = import("\u{feff}<nmaprun>".as_bytes(), Format::Auto).unwrap_err();
    assert_eq!(e.byte_offset, Some(12));
}

/// The fuzz seeds are own small fixtures; each must import with at least one finding.
#[test]
fn fuzz_seeds_import() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut n = 0;
    for dir in ["vuln_nessus", "vuln_openvas", "vuln_nmap", "vuln_nuclei"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            // The fuzz target's own checks, on its seed.
            steward_vuln::fuzzing::check(&bytes, Format::Auto);
            let r =
                import(&bytes, Format::Auto).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!r.findings.is_empty(), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 4);
}
