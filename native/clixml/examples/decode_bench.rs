//! Decode benchmark: `decode_bench <iterations> <file>...` decodes each file fully at least
//! `iterations` times, and for at least half a second, and prints one JSON line per file:
//! `{"file":…,"bytes":…,"objects":…,"passes":…,"seconds":…,"mb_per_s":…}` (`objects` =
//! top-level values per pass, `seconds` = total over all `passes`).

use std::process::ExitCode;
use std::time::{Duration, Instant};

const MIN_TIME: Duration = Duration::from_millis(500);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(iterations), files) = (
        args.first().and_then(|n| n.parse::<u32>().ok()),
        args.get(1..).unwrap_or_default(),
    ) else {
        eprintln!("usage: decode_bench <iterations> <file>...");
        return ExitCode::from(2);
    };
    if files.is_empty() || iterations == 0 {
        eprintln!("usage: decode_bench <iterations> <file>...");
        return ExitCode::from(2);
    }
    for file in files {
        match bench(file, iterations) {
            Ok((bytes, objects, passes, seconds)) => {
                let mb_per_s = bytes as f64 * f64::from(passes) / 1e6 / seconds;
                println!(
                    "{{\"file\":{},\"bytes\":{bytes},\"objects\":{objects},\"passes\":{passes},\"seconds\":{seconds:.6},\"mb_per_s\":{mb_per_s:.2}}}",
                    json_string(file)
                );
            }
            Err(e) => {
                eprintln!("{file}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// Reads the file once, then decodes it from memory so that disk speed is not measured.
fn bench(
    file: &str,
    iterations: u32,
) -> Result<(usize, usize, u32, f64), Box<dyn std::error::Error>> {
    let data = std::fs::read(file)?;
    // One untimed pass first, as the PowerShell side gets: the allocator's pages, the caches.
    decode_all(&data)?;
    let mut objects = 0;
    let mut passes = 0;
    let start = Instant::now();
    // A small document decodes in milliseconds: enough passes that timer and scheduler noise
    // do not decide the figure.
    while passes < iterations || start.elapsed() < MIN_TIME {
        objects = decode_all(&data)?;
        passes += 1;
    }
    Ok((data.len(), objects, passes, start.elapsed().as_secs_f64()))
}

/// Decodes every top-level value; returns how many there were.
fn decode_all(data: &[u8]) -> Result<usize, clixml::Error> {
    let mut objects = 0;
    // Read in place, as PSSerializer reads its string.
    for value in clixml::Decoder::from_bytes(data) {
        std::hint::black_box(value?);
        objects += 1;
    }
    Ok(objects)
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
