//! Fuzz-style robustness: ≥100,000 mutated real CliXml documents (byte flips, insertions,
//! truncations, splices between documents) and random byte strings go through the decoders;
//! every one must come back as a value or a typed error, never a panic. Deterministic
//! (fixed seed) so a failure reproduces.

mod common;

use clixml::{Decoder, Limits, Referenced, Value, decode_fragment_bytes};
use common::walk;
use std::collections::HashSet;
use std::io::{self, BufReader, Read};

const FIXTURES: &[&str] = &[
    include_str!("fixtures/errorrecord-thrown.xml"),
    include_str!("fixtures/pscustomobject.xml"),
    include_str!("fixtures/progressrecord.xml"),
    include_str!("fixtures/doubles.xml"),
    include_str!("fixtures/hashtable-self-cycle.xml"),
    include_str!("fixtures/string-control-chars.xml"),
    include_str!("fixtures/enum-flags.xml"),
    include_str!("fixtures/member-set.xml"),
    include_str!("fixtures/timespans.xml"),
];

/// xorshift64*: enough randomness for mutation, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A reader handing out at most `.1` bytes per read, so that whatever reads it meets every
/// boundary there is.
pub struct Trickle<'a>(pub &'a [u8], pub usize);

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.1.min(self.0.len()).min(out.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// UTF-8, UTF-16 LE and BE, UTF-32 LE and BE (refused).
const BOMS: &[&[u8]] = &[
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b"\xFF\xFE\0\0",
    b"\0\0\xFE\xFF",
];

/// Bytes that make interesting XML damage.
const SPICE: &[&[u8]] = &[
    b"<",
    b">",
    b"/",
    b"&",
    b"&#x1;",
    b"&#xD800;",
    b"_x",
    b"_xD83C_",
    b"\"",
    b"<Ref RefId=\"9\"/>",
    b"<p:Ref RefId='0' />",
    b"<Obj RefId=\"0\">",
    b"</Obj>",
    b"<TNRef RefId=\"5\"/>",
    b"\xff",
    b"\xc3",
    b"\0",
    b"<!DOCTYPE x>",
    b"<![CDATA[",
    b"-->",
    b"<?",
];

fn mutate(rng: &mut Rng, doc: &[u8]) -> Vec<u8> {
    let mut out = doc.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.truncate(at),
            2 => {
                let spice = SPICE[rng.below(SPICE.len())];
                out.splice(at..at, spice.iter().copied());
            }
            3 => {
                let other = FIXTURES[rng.below(FIXTURES.len())].as_bytes();
                let from = rng.below(other.len());
                let len = rng.below(other.len() - from);
                out.splice(at..at, other[from..from + len].iter().copied());
            }
            4 => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            _ => {
                let end = (at + rng.below(32)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
        }
    }
    out
}

/// Small limits so limit paths are exercised too.
fn decode_all(bytes: &[u8]) -> usize {
    let limits = Limits {
        max_depth: 12,
        max_objects: 200,
        max_refs: 50,
        max_bytes: 1 << 20,
        max_string: 4096,
    };
    // Read in place and through a small stream window, the same input must decode the same,
    // errors and their positions included. Compared as Debug text, because a NaN double is not
    // equal to itself.
    let in_memory: Vec<_> = Decoder::from_bytes_with_limits(bytes, limits)
        .take(100)
        .collect();
    let streamed: Vec<_> = Decoder::with_limits(BufReader::with_capacity(7, bytes), limits)
        .take(100)
        .collect();
    assert_eq!(
        format!("{in_memory:?}"),
        format!("{streamed:?}"),
        "{}",
        String::from_utf8_lossy(bytes)
    );
    referenced_ids_only(bytes, limits, &in_memory);
    let ok = in_memory.iter().filter(|value| value.is_ok()).count();
    // The fragment decoder shares the parser but not the framing.
    let start = bytes.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
    ok + usize::from(decode_fragment_bytes(&bytes[start..], limits).is_ok())
}

/// Decoding with ids only for the objects the scan says a `Ref` may name must give the same
/// values and errors (ids aside), and every `Ref` must name an object that kept its id: a
/// `Ref` the scan missed would leave its target without one.
fn referenced_ids_only(bytes: &[u8], limits: Limits, all: &[clixml::Result<Value>]) {
    let referenced = Referenced::scan(bytes);
    // A stream is scanned a chunk at a time, and must come to the same answer.
    let streamed = Referenced::scan_reader(Trickle(bytes, 1 + bytes.len() % 13));
    assert_eq!(
        streamed.unwrap_or_else(|_| Referenced::any()),
        referenced,
        "{}",
        String::from_utf8_lossy(bytes)
    );
    let mut some: Vec<_> = Decoder::from_bytes_with_limits(bytes, limits)
        .ids_only_for(referenced)
        .take(100)
        .collect();
    let mut ids = HashSet::new();
    let mut refs = Vec::new();
    for value in some.iter_mut().flatten() {
        walk(value, &mut |v| match v {
            Value::Object(o) => ids.extend(o.id),
            Value::Ref(id) => refs.push(*id),
            _ => {}
        });
    }
    assert!(
        refs.iter().all(|id| ids.contains(id)),
        "a Ref names an object without an id: {}",
        String::from_utf8_lossy(bytes)
    );
    // The two decodes number objects differently; the rest must be equal.
    let mut all = all.to_vec();
    for value in all.iter_mut().chain(some.iter_mut()).flatten() {
        walk(value, &mut |v| match v {
            Value::Object(o) => o.id = None,
            Value::Ref(id) => *id = 0,
            _ => {}
        });
    }
    assert_eq!(
        format!("{all:?}"),
        format!("{some:?}"),
        "{}",
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn a_ref_scan_read_in_pieces_gives_what_the_whole_gives() {
    let docs = [
        r#"<Objs><Obj RefId="0"/><Ref N="x" RefId="0" /><a:Ref RefId="77"/></Objs>"#,
        r#"<Ref RefId="1"/><Ref RefId="&amp;"/>"#,
        "<Objs><S>Re</S><Ref RefId=\"2\"/></Objs>",
        "<Ref",
    ];
    for doc in docs {
        let whole = Referenced::scan(doc.as_bytes());
        let utf16: Vec<u8> = format!("\u{feff}{doc}")
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        for bytes in [doc.as_bytes(), &utf16] {
            for step in 1..=bytes.len() {
                let streamed = Referenced::scan_reader(Trickle(bytes, step)).unwrap();
                assert_eq!(streamed, whole, "{doc:?} read {step} bytes at a time");
            }
        }
    }
}

#[test]
fn mutated_and_random_inputs_never_panic() {
    let mut rng = Rng(0x5EED_C11F_0000_0001);
    let mut runs = 0;
    let mut decoded_values = 0;
    for i in 0..90_000 {
        let doc = FIXTURES[i % FIXTURES.len()].as_bytes();
        decoded_values += decode_all(&mutate(&mut rng, doc));
        runs += 1;
    }
    for i in 0..12_000 {
        let len = rng.below(256);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Some behind a byte-order mark, so that the encodings are sniffed both ways too.
        if i % 4 == 0 {
            bytes.splice(0..0, BOMS[rng.below(BOMS.len())].iter().copied());
        }
        decode_all(&bytes);
        runs += 1;
    }
    println!("{runs} inputs decoded without panic ({decoded_values} values survived mutation)");
    assert!(runs >= 100_000);
    // Mutation keeps many documents valid; a decoder that rejected everything would be broken.
    assert!(
        decoded_values > 10_000,
        "only {decoded_values} values decoded"
    );
}
