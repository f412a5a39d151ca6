//! Round trip against real PowerShell: `tests/clixml/cases.ps1` writes the corpus with
//! Export-Clixml / [PSSerializer]::Serialize, this test decodes and re-encodes every file, and
//! `Test-CliXmlRoundTrip.ps1` checks in pwsh that Import-Clixml of each re-encoded file
//! deep-equals Import-Clixml of the original. Two pwsh processes in total.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `pwsh` from PATH or the dotnet global-tools folder.
fn find_pwsh() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".dotnet/tools"));
    }
    dirs.into_iter()
        .map(|d| d.join("pwsh"))
        .find(|p| p.is_file())
}

fn run_pwsh(pwsh: &Path, script: &Path, args: &[(&str, &Path)]) -> std::process::Output {
    let mut cmd = Command::new(pwsh);
    cmd.args(["-NoProfile", "-NonInteractive", "-File"])
        .arg(script);
    for (name, value) in args {
        cmd.arg(name).arg(value);
    }
    cmd.output().expect("pwsh runs")
}

#[test]
fn powershell_imports_what_we_reencode() {
    let Some(pwsh) = find_pwsh() else {
        println!("skipped: pwsh not found on PATH or in ~/.dotnet/tools");
        return;
    };
    let work = std::env::temp_dir().join(format!("clixml-roundtrip-{}", std::process::id()));
    let (original, reencoded) = (work.join("original"), work.join("reencoded"));
    std::fs::create_dir_all(&reencoded).unwrap();
    let scripts = repo_root().join("tests/clixml");

    let made = run_pwsh(&pwsh, &scripts.join("cases.ps1"), &[("-OutDir", &original)]);
    assert!(
        made.status.success(),
        "cases.ps1 failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );

    let mut names = Vec::new();
    let mut byte_identical = 0;
    for entry in std::fs::read_dir(&original).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let values: Vec<_> = clixml::Decoder::from_bytes(bytes.as_slice())
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let encoded = clixml::encode_document(&values);
        byte_identical += usize::from(encoded.as_bytes() == bytes.as_slice());
        std::fs::write(reencoded.join(&name), encoded).unwrap();
        names.push(name);
    }
    assert!(names.len() >= 60, "only {} cases", names.len());

    let checked = run_pwsh(
        &pwsh,
        &scripts.join("Test-CliXmlRoundTrip.ps1"),
        &[("-Original", &original), ("-Reencoded", &reencoded)],
    );
    let report = String::from_utf8_lossy(&checked.stdout);
    let ok = report.lines().filter(|l| l.starts_with("ok ")).count();
    let failures: Vec<&str> = report.lines().filter(|l| l.starts_with("FAIL")).collect();
    std::fs::remove_dir_all(&work).ok();
    println!(
        "{} cases; {ok} deep-equal after Import-Clixml; {byte_identical} byte-identical to PowerShell's output",
        names.len()
    );
    assert!(
        checked.status.success() && failures.is_empty(),
        "{}\n{}",
        failures.join("\n"),
        String::from_utf8_lossy(&checked.stderr)
    );
    assert_eq!(ok, names.len(), "{report}");
    // The encoder reproduces PowerShell's bytes (same platform line endings) for every case.
    assert_eq!(byte_identical, names.len());
}
