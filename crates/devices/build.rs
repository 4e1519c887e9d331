//! Embeds every family file under `families/` so the binary carries the whole library;
//! the same files can also be loaded from a directory at run time.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("families");
    println!("cargo:rerun-if-changed=families");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("families/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut out = String::from("/// (file name, contents) of every embedded family file.\npub(crate) const EMBEDDED: &[(&str, &str)] = &[\n");
    for name in &names {
        println!("cargo:rerun-if-changed=families/{name}");
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/families/{name}\"))),"
        );
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded.rs");
    std::fs::write(target, out).expect("write embedded.rs");
}
