//! Helpers shared by the integration tests.

use clixml::{Base, Member, Value};

/// Calls `visit` on `value`, then on every value inside it, in the order the encoder writes
/// them (base, `Props`, `MS`).
pub fn walk(value: &mut Value, visit: &mut impl FnMut(&mut Value)) {
    visit(value);
    let Value::Object(o) = value else { return };
    match &mut o.base {
        Some(Base::Value(v)) => walk(v, visit),
        Some(Base::List(_, items)) => items.iter_mut().for_each(|v| walk(v, visit)),
        Some(Base::Dict(entries)) => entries.iter_mut().for_each(|(k, v)| {
            walk(k, visit);
            walk(v, visit);
        }),
        None => {}
    }
    o.adapted.iter_mut().for_each(|(_, v)| walk(v, visit));
    walk_members(&mut o.extended, visit);
}

fn walk_members(members: &mut [Member], visit: &mut impl FnMut(&mut Value)) {
    for member in members {
        match member {
            Member::Property(_, v) => walk(v, visit),
            Member::Set(_, inner) => walk_members(inner, visit),
        }
    }
}
