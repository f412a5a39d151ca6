//! One test per CliXml element and rule: the remoting-form XML PowerShell writes, the value
//! it decodes to, and back (byte-identical), plus the hostile-input errors.

use crate::value::*;
use crate::{ErrorKind, Limits, decode_fragment, decode_fragment_bytes, encode_fragment};
use std::sync::Arc;

/// Decodes `xml` to `value` and encodes `value` back to exactly `xml`.
fn both_ways(xml: &str, value: Value) {
    assert_eq!(
        decode_fragment(xml).unwrap_or_else(|e| panic!("{xml}: {e}")),
        value,
        "{xml}"
    );
    assert_eq!(encode_fragment(&value), xml);
}

fn err(xml: &str) -> ErrorKind {
    decode_fragment(xml).expect_err(xml).kind
}

fn obj(o: Object) -> Value {
    Value::Object(Box::new(o))
}

#[test]
fn strings_and_text_elements() {
    both_ways(
        "<S>a_x000D__x000A_b _x005F_x _xD83C__xDFB5_&lt;&amp;&gt;\"</S>",
        Value::Str("a\r\nb _x 🎵<&>\"".into()),
    );
    assert_eq!(
        decode_fragment("<S>🎵</S>").unwrap(),
        Value::Str("🎵".into())
    );
    both_ways("<S></S>", Value::Str(String::new()));
    both_ways("<S> </S>", Value::Str(" ".into()));
    // A named top-level value has nowhere to keep its name; names live on members.
    assert_eq!(
        decode_fragment("<S N=\"a_x0020_b&quot;\">x</S>").unwrap(),
        Value::Str("x".into())
    );
    both_ways(
        "<URI>https://x/?a=1&amp;b</URI>",
        Value::Uri("https://x/?a=1&b".into()),
    );
    both_ways(
        "<XD>&lt;a b=\"1\" /&gt;</XD>",
        Value::XmlDocument("<a b=\"1\" />".into()),
    );
    both_ways(
        "<SBK>Get-Date_x000A_</SBK>",
        Value::ScriptBlock("Get-Date\n".into()),
    );
    both_ways(
        "<SS>700061007300</SS>",
        Value::SecureString("700061007300".into()),
    );
    assert_eq!(
        decode_fragment("<SS>_x0041_</SS>").unwrap(),
        Value::SecureString("_x0041_".into())
    );
    assert_eq!(decode_fragment("<S/>").unwrap(), Value::Str(String::new()));
    assert_eq!(
        decode_fragment("<S>a<!-- c -->b<![CDATA[<c>]]></S>").unwrap(),
        Value::Str("ab<c>".into())
    );
}

#[test]
fn numbers_chars_and_booleans() {
    both_ways("<C>97</C>", Value::Char(97));
    both_ways("<C>55356</C>", Value::Char(0xD83C));
    both_ways("<B>true</B>", Value::Bool(true));
    both_ways("<B>false</B>", Value::Bool(false));
    both_ways("<By>255</By>", Value::U8(255));
    both_ways("<SB>-128</SB>", Value::I8(-128));
    both_ways("<U16>65535</U16>", Value::U16(65535));
    both_ways("<I16>-32768</I16>", Value::I16(-32768));
    both_ways("<U32>4294967295</U32>", Value::U32(u32::MAX));
    both_ways("<I32>-2147483648</I32>", Value::I32(i32::MIN));
    both_ways("<U64>18446744073709551615</U64>", Value::U64(u64::MAX));
    both_ways("<I64>-9223372036854775808</I64>", Value::I64(i64::MIN));
    both_ways("<Sg>1.5</Sg>", Value::Single(1.5));
    both_ways("<Db>1E+17</Db>", Value::Double(1e17));
    both_ways("<Db>INF</Db>", Value::Double(f64::INFINITY));
    both_ways("<Db>-INF</Db>", Value::Double(f64::NEG_INFINITY));
    both_ways("<D>-1.50</D>", Value::Decimal("-1.50".into()));
    let nan = decode_fragment("<Db>NaN</Db>").unwrap();
    assert!(matches!(nan, Value::Double(f) if f.is_nan()));
    assert_eq!(encode_fragment(&nan), "<Db>NaN</Db>");
    let neg_zero = decode_fragment("<Db>-0</Db>").unwrap();
    assert!(matches!(neg_zero, Value::Double(f) if f == 0.0 && f.is_sign_negative()));
    assert_eq!(encode_fragment(&neg_zero), "<Db>-0</Db>");
    assert_eq!(decode_fragment("<I32> 7 </I32>").unwrap(), Value::I32(7));
    for bad in [
        "<I32>x</I32>",
        "<By>-1</By>",
        "<U16>+1</U16>",
        "<B>True</B>",
        "<Db>inf</Db>",
        "<D>1e5</D>",
        "<C>65536</C>",
        "<I32/>",
    ] {
        assert!(matches!(err(bad), ErrorKind::InvalidValue { .. }), "{bad}");
    }
}

#[test]
fn dates_durations_and_other_primitives() {
    let dt = |ticks, kind| Value::DateTime(DateTime { ticks, kind });
    both_ways(
        "<DT>1970-01-01T00:00:00Z</DT>",
        dt(621_355_968_000_000_000, DateKind::Utc),
    );
    both_ways(
        "<DT>2021-07-23T20:07:53.0758546-05:00</DT>",
        dt(637_626_676_730_758_546, DateKind::Offset(-300)),
    );
    both_ways("<DT>0001-01-01T00:00:00</DT>", dt(0, DateKind::Unspecified));
    both_ways("<TS>PT0S</TS>", Value::Duration(0));
    both_ways(
        "<TS>-P1DT1H1M1.5S</TS>",
        Value::Duration(-(86_400 + 3_661) * 10_000_000 - 5_000_000),
    );
    both_ways("<BA>AQID</BA>", Value::Bytes(vec![1, 2, 3]));
    both_ways("<BA />", Value::Bytes(vec![]));
    assert_eq!(
        decode_fragment("<BA> AQ\nID </BA>").unwrap(),
        Value::Bytes(vec![1, 2, 3])
    );
    let guid = uuid::Uuid::parse_str("0f8fad5b-d9cb-469f-a165-70867728950e").unwrap();
    both_ways(
        "<G>0f8fad5b-d9cb-469f-a165-70867728950e</G>",
        Value::Guid(guid),
    );
    assert_eq!(
        decode_fragment("<G>{0F8FAD5B-D9CB-469F-A165-70867728950E}</G>").unwrap(),
        Value::Guid(guid)
    );
    assert_eq!(
        decode_fragment("<G>(0f8fad5bd9cb469fa16570867728950e)</G>").unwrap(),
        Value::Guid(guid)
    );
    both_ways(
        "<Version>1.2.3.4</Version>",
        Value::Version("1.2.3.4".into()),
    );
    both_ways("<Nil />", Value::Nil);
    assert!(matches!(
        err("<BA>AQI</BA>"),
        ErrorKind::InvalidValue { .. }
    ));
    assert!(matches!(err("<G>nope</G>"), ErrorKind::InvalidValue { .. }));
}

#[test]
fn progress_record() {
    let xml = "<PR><AV>Copy_x000A_</AV><AI>7</AI><S>a.txt</S><PI>-1</PI><PC>33</PC><T>Processing</T><SR>12</SR><SD>3 of 9</SD></PR>";
    let pr = ProgressRecord {
        activity: "Copy\n".into(),
        activity_id: 7,
        current_operation: Some("a.txt".into()),
        parent_activity_id: -1,
        percent_complete: 33,
        record_type: "Processing".into(),
        seconds_remaining: 12,
        status_description: "3 of 9".into(),
    };
    both_ways(xml, Value::Progress(Box::new(pr.clone())));
    let no_op = ProgressRecord {
        current_operation: None,
        ..pr
    };
    both_ways(
        &xml.replace("<S>a.txt</S>", "<Nil />"),
        Value::Progress(Box::new(no_op)),
    );
    assert!(matches!(err("<PR><AV>x</AV></PR>"), ErrorKind::Syntax(_)));
}

#[test]
fn objects_type_names_props_member_sets_and_refs() {
    let names: Arc<[String]> = Arc::from(vec![
        "Deserialized.A".to_owned(),
        "System.Object".to_owned(),
    ]);
    let xml = concat!(
        "<Obj RefId=\"0\"><TN RefId=\"0\"><T>Deserialized.A</T><T>System.Object</T></TN><ToString>a_x000A_</ToString>",
        "<Props><I32 N=\"Id\">1</I32><Obj N=\"Child\" RefId=\"1\"><TNRef RefId=\"0\" /><Props><Ref N=\"Parent\" RefId=\"0\" /></Props></Obj></Props>",
        "<MS><S N=\"Note\">n</S><MS N=\"PSStandardMembers\"><MS N=\"Inner\"><B N=\"Deep\">true</B></MS></MS></MS></Obj>"
    );
    let child = Object {
        id: Some(1),
        type_names: Some(names.clone()),
        adapted: vec![("Parent".into(), Value::Ref(0))],
        ..Object::default()
    };
    let root = Object {
        id: Some(0),
        type_names: Some(names),
        to_string: Some("a\n".into()),
        adapted: vec![("Id".into(), Value::I32(1)), ("Child".into(), obj(child))],
        extended: vec![
            Member::Property("Note".into(), Value::Str("n".into())),
            Member::Set(
                "PSStandardMembers".into(),
                vec![Member::Set(
                    "Inner".into(),
                    vec![Member::Property("Deep".into(), Value::Bool(true))],
                )],
            ),
        ],
        ..Object::default()
    };
    both_ways(xml, obj(root));
    both_ways(
        "<Obj RefId=\"0\" />",
        obj(Object {
            id: Some(0),
            ..Object::default()
        }),
    );
    // An extended primitive keeps its base value.
    both_ways(
        "<Obj RefId=\"0\"><S>base</S><MS><I32 N=\"n\">1</I32></MS></Obj>",
        obj(Object {
            id: Some(0),
            base: Some(Base::Value(Value::Str("base".into()))),
            extended: vec![Member::Property("n".into(), Value::I32(1))],
            ..Object::default()
        }),
    );
}

#[test]
fn containers_and_enums() {
    let tn = |names: &[&str]| {
        Some(Arc::from(
            names.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ))
    };
    let list = |kind, tag: &str| {
        let xml = format!(
            "<Obj RefId=\"0\"><TN RefId=\"0\"><T>L</T></TN><{tag}><I32>1</I32><Nil /></{tag}></Obj>"
        );
        let value = obj(Object {
            id: Some(0),
            type_names: tn(&["L"]),
            base: Some(Base::List(kind, vec![Value::I32(1), Value::Nil])),
            ..Object::default()
        });
        both_ways(&xml, value);
    };
    list(ListKind::List, "LST");
    list(ListKind::Enumerable, "IE");
    list(ListKind::Stack, "STK");
    list(ListKind::Queue, "QUE");
    both_ways(
        "<Obj RefId=\"0\"><LST /></Obj>",
        obj(Object {
            id: Some(0),
            base: Some(Base::List(ListKind::List, vec![])),
            ..Object::default()
        }),
    );
    let dict = "<Obj RefId=\"0\"><DCT><En><S N=\"Key\">a</S><I32 N=\"Value\">1</I32></En><En><I32 N=\"Key\">2</I32><Nil N=\"Value\" /></En></DCT></Obj>";
    let entries = vec![
        (Value::Str("a".into()), Value::I32(1)),
        (Value::I32(2), Value::Nil),
    ];
    both_ways(
        dict,
        obj(Object {
            id: Some(0),
            base: Some(Base::Dict(entries)),
            ..Object::default()
        }),
    );
    let enum_xml = "<Obj RefId=\"0\"><TN RefId=\"0\"><T>System.ConsoleColor</T><T>System.Enum</T></TN><ToString>Blue</ToString><I32>9</I32></Obj>";
    let value = obj(Object {
        id: Some(0),
        type_names: tn(&["System.ConsoleColor", "System.Enum"]),
        to_string: Some("Blue".into()),
        base: Some(Base::Value(Value::I32(9))),
        ..Object::default()
    });
    both_ways(enum_xml, value);
    assert!(matches!(
        err("<Obj><DCT><En><S>k</S></En></DCT></Obj>"),
        ErrorKind::Syntax(_)
    ));
    assert_eq!(err("<Obj><LST/><LST/></Obj>"), ErrorKind::DuplicateBase);
}

#[test]
fn hostile_input_is_refused_with_positions() {
    let e = decode_fragment("<Obj RefId=\"0\">\n  <Ref RefId=\"7\" />\n</Obj>").unwrap_err();
    assert_eq!(
        (e.kind, e.position),
        (ErrorKind::DanglingRef("7".into()), 18)
    );
    assert_eq!(
        err("<Obj><TNRef RefId=\"3\"/></Obj>"),
        ErrorKind::DanglingTypeRef("3".into())
    );
    assert_eq!(
        err("<Obj><Bogus/></Obj>"),
        ErrorKind::UnknownElement("Bogus".into())
    );
    assert_eq!(
        err("<Obj><Props><S>x</S></Props></Obj>"),
        ErrorKind::MissingAttribute {
            element: "Props child",
            attribute: "N"
        }
    );
    assert_eq!(
        err("<S>x</I32>"),
        ErrorKind::MismatchedEnd {
            found: "I32".into(),
            expected: "S".into()
        }
    );
    assert_eq!(err("<Obj>text</Obj>"), ErrorKind::UnexpectedText);
    assert_eq!(err("<S>&bogus;</S>"), ErrorKind::Entity);
    assert_eq!(
        err("<!DOCTYPE lol [<!ENTITY a \"b\">]><S>&a;</S>"),
        ErrorKind::Dtd
    );
    let deep = "<Obj>".repeat(5000) + &"</Obj>".repeat(5000);
    assert_eq!(err(&deep), ErrorKind::DepthLimit(128));
    let limits = Limits {
        max_objects: 3,
        ..Limits::default()
    };
    let many = "<Obj><LST>".to_owned() + &"<Obj/>".repeat(10) + "</LST></Obj>";
    assert_eq!(
        decode_fragment_bytes(many.as_bytes(), limits)
            .unwrap_err()
            .kind,
        ErrorKind::ObjectLimit(3)
    );
    // A reference bomb stays a tree of Ref nodes; the limit caps their number.
    let limits = Limits {
        max_refs: 100,
        ..Limits::default()
    };
    let refs =
        "<Obj RefId=\"0\"><LST>".to_owned() + &"<Ref RefId=\"0\"/>".repeat(1000) + "</LST></Obj>";
    assert_eq!(
        decode_fragment_bytes(refs.as_bytes(), limits)
            .unwrap_err()
            .kind,
        ErrorKind::RefLimit(100)
    );
    let limits = Limits {
        max_string: 10,
        ..Limits::default()
    };
    assert_eq!(
        decode_fragment_bytes(b"<S>0123456789abc</S>", limits)
            .unwrap_err()
            .kind,
        ErrorKind::StringLimit(10)
    );
    let limits = Limits {
        max_depth: 1_000_000,
        ..Limits::default()
    };
    let deeper = "<Obj>".repeat(Limits::HARD_MAX_DEPTH + 10);
    assert_eq!(
        decode_fragment_bytes(deeper.as_bytes(), limits)
            .unwrap_err()
            .kind,
        ErrorKind::DepthLimit(Limits::HARD_MAX_DEPTH)
    );
}
