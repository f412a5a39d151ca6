//! Property test: any value tree → encode (document and fragment form) → decode → the same
//! tree. Object ids are renumbered in document order and `Ref`s point at objects already
//! opened, which is what a decoded tree always looks like.

mod common;

use clixml::{Base, DateKind, DateTime, ListKind, Member, Object, ProgressRecord, Value};
use common::walk;
use proptest::prelude::*;
use std::sync::Arc;

const MAX_TICKS: i64 = 3_155_378_975_999_999_999;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        any::<String>().prop_map(Value::Str),
        any::<u16>().prop_map(Value::Char),
        any::<bool>().prop_map(Value::Bool),
        (
            0..=MAX_TICKS,
            prop_oneof![
                Just(DateKind::Unspecified),
                Just(DateKind::Utc),
                (-840i16..=840).prop_map(DateKind::Offset)
            ]
        )
            .prop_map(|(ticks, kind)| Value::DateTime(DateTime { ticks, kind })),
        any::<i64>().prop_map(Value::Duration),
        any::<u8>().prop_map(Value::U8),
        any::<i8>().prop_map(Value::I8),
        any::<u16>().prop_map(Value::U16),
        any::<i16>().prop_map(Value::I16),
        any::<u32>().prop_map(Value::U32),
        any::<i32>().prop_map(Value::I32),
        any::<u64>().prop_map(Value::U64),
        any::<i64>().prop_map(Value::I64),
        // NaN never equals itself; it has its own unit test.
        any::<f32>()
            .prop_filter("not NaN", |f| !f.is_nan())
            .prop_map(Value::Single),
        any::<f64>()
            .prop_filter("not NaN", |f| !f.is_nan())
            .prop_map(Value::Double),
        "-?[0-9]{1,20}(\\.[0-9]{1,8})?".prop_map(Value::Decimal),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        any::<u128>().prop_map(|n| Value::Guid(uuid::Uuid::from_u128(n))),
        any::<String>().prop_map(Value::Uri),
        "[0-9]{1,5}\\.[0-9]{1,5}(\\.[0-9]{1,5}){0,2}".prop_map(Value::Version),
        any::<String>().prop_map(Value::XmlDocument),
        any::<String>().prop_map(Value::ScriptBlock),
        "[0-9a-f]{0,40}".prop_map(Value::SecureString),
        progress().prop_map(|p| Value::Progress(Box::new(p))),
        any::<u32>().prop_map(Value::Ref),
    ]
}

fn progress() -> impl Strategy<Value = ProgressRecord> {
    (
        any::<String>(),
        any::<i32>(),
        proptest::option::of(any::<String>()),
        any::<(i32, i32, i32)>(),
        "Processing|Completed",
        any::<String>(),
    )
        .prop_map(
            |(
                activity,
                activity_id,
                current_operation,
                (parent_activity_id, percent_complete, seconds_remaining),
                record_type,
                status_description,
            )| ProgressRecord {
                activity,
                activity_id,
                current_operation,
                parent_activity_id,
                percent_complete,
                record_type,
                seconds_remaining,
                status_description,
            },
        )
}

/// `MS` content: properties and member sets (one level here; deeper sets are unit-tested).
fn members(value: BoxedStrategy<Value>) -> impl Strategy<Value = Vec<Member>> {
    let property = (any::<String>(), value).prop_map(|(n, v)| Member::Property(n, v));
    let set = (
        any::<String>(),
        proptest::collection::vec(property.clone(), 0..3),
    )
        .prop_map(|(n, m)| Member::Set(n, m));
    proptest::collection::vec(prop_oneof![3 => property, 1 => set], 0..4)
}

fn object(value: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
    let type_names = proptest::option::of(proptest::collection::vec(
        "[A-Za-z_.`\\[\\]]{1,12}|.{1,6}",
        0..4,
    ));
    let base = proptest::option::of(prop_oneof![
        value.clone().prop_map(Base::Value),
        (
            prop_oneof![
                Just(ListKind::List),
                Just(ListKind::Enumerable),
                Just(ListKind::Stack),
                Just(ListKind::Queue)
            ],
            proptest::collection::vec(value.clone(), 0..4)
        )
            .prop_map(|(k, items)| Base::List(k, items)),
        proptest::collection::vec((value.clone(), value.clone()), 0..3).prop_map(Base::Dict),
    ]);
    let adapted = proptest::collection::vec((any::<String>(), value.clone()), 0..3);
    let extended = members(value);
    (
        type_names,
        proptest::option::of(any::<String>()),
        base,
        adapted,
        extended,
    )
        .prop_map(|(tn, to_string, base, adapted, extended)| {
            Value::Object(Box::new(Object {
                id: None,
                type_names: tn.map(|names: Vec<String>| Arc::from(names)),
                to_string,
                base,
                adapted,
                extended,
            }))
        })
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| object(inner.boxed()))
}

/// Gives objects the ids a decoder assigns (document order) and aims every `Ref` at an
/// object already opened; a `Ref` with nothing to point at becomes `Nil`.
fn normalise(v: &mut Value, next: &mut u32) {
    walk(v, &mut |v| match v {
        Value::Ref(_) if *next == 0 => *v = Value::Nil,
        Value::Ref(target) => *target %= *next,
        Value::Object(obj) => {
            obj.id = Some(*next);
            *next += 1;
        }
        _ => {}
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn document_round_trip(mut values in proptest::collection::vec(value(), 0..4)) {
        let mut next = 0;
        values.iter_mut().for_each(|v| normalise(v, &mut next));
        let xml = clixml::encode_document(&values);
        let decoded = clixml::decode_document(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        prop_assert_eq!(decoded, values);
    }

    #[test]
    fn fragment_round_trip(mut value in value()) {
        normalise(&mut value, &mut 0);
        let xml = clixml::encode_fragment(&value);
        let decoded = clixml::decode_fragment(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        prop_assert_eq!(decoded, value);
    }
}
