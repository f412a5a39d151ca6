//! The committed C header must match the exports. Regenerating it here (rather than in a
//! build script) keeps normal builds free of cbindgen and makes drift a test failure.

use std::path::PathBuf;

#[test]
fn committed_header_matches_the_exports() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not parse native/ffi")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("header is UTF-8");

    let path = crate_dir.join("include/psujobs.h");
    if std::env::var_os("PSUJ_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/psujobs.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "native/ffi/include/psujobs.h is out of date with the psuj_* exports.\n\
         Regenerate it with: PSUJ_UPDATE_HEADER=1 cargo test -p psujobs-ffi --test header\n\
         and commit the result (module/Native/NativeMethods.cs must mirror any change)."
    );
}
