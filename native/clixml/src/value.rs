//! The decoded value tree. This is the contract between the codec, the PSRP client, the FFI
//! buffer writer and the server; change it deliberately.

use std::sync::Arc;

/// Dense id of an `<Obj>` within one serializer scope (a document or a remoting message),
/// assigned in order of appearance. The decoder maps the document's `RefId` strings to these;
/// an object redefining a `RefId` takes over the id of the one it replaces, so a `Ref` names
/// the latest object that had its id when it was read.
pub type ObjId = u32;

/// One CliXml value: a primitive element, an `<Obj>`, a `<Ref>` or `<Nil/>`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    /// `S`
    Str(String),
    /// `C`: one UTF-16 code unit (may be a lone surrogate).
    Char(u16),
    /// `B`
    Bool(bool),
    /// `DT`
    DateTime(DateTime),
    /// `TS`, in 100 ns ticks.
    Duration(i64),
    /// `By`
    U8(u8),
    /// `SB`
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    U64(u64),
    I64(i64),
    /// `Sg`
    Single(f32),
    /// `Db`
    Double(f64),
    /// `D`: kept as validated invariant text (sign, digits, optional point; scale preserved).
    Decimal(String),
    /// `BA`
    Bytes(Vec<u8>),
    /// `G`
    Guid(uuid::Uuid),
    /// `URI`
    Uri(String),
    /// `Version`: validated `major.minor[.build[.revision]]` text.
    Version(String),
    /// `XD`: the document's outer XML.
    XmlDocument(String),
    /// `SBK`: script text (PowerShell deserializes it as a string).
    ScriptBlock(String),
    /// `SS`: the element text, opaque (DPAPI hex, plaintext UTF-16LE hex, or session-key base64).
    SecureString(String),
    /// `PR`
    Progress(Box<ProgressRecord>),
    /// `<Obj>`
    Object(Box<Object>),
    /// `<Ref RefId=…>`: the decoder has checked the target was already opened in this scope.
    Ref(ObjId),
}

/// `DT`: the value exactly as written, so a re-encode is byte-identical.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// Wall-clock ticks (100 ns since 0001-01-01T00:00:00) as written, before any zone shift.
    pub ticks: i64,
    pub kind: DateKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// No zone designator: `DateTimeKind.Unspecified`.
    Unspecified,
    /// `Z`: `DateTimeKind.Utc`.
    Utc,
    /// `+hh:mm` / `-hh:mm`: offset in minutes. PowerShell reads it as `DateTimeKind.Local`.
    Offset(i16),
}

/// `PR` (the known-type form of a ProgressRecord).
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRecord {
    pub activity: String,
    pub activity_id: i32,
    pub current_operation: Option<String>,
    pub parent_activity_id: i32,
    pub percent_complete: i32,
    /// `Processing` or `Completed`.
    pub record_type: String,
    pub seconds_remaining: i32,
    pub status_description: String,
}

/// `<Obj>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    /// Set when the object carried a `RefId` (PowerShell always writes one), unless the
    /// decoder was told which `RefId`s the document's `Ref`s name
    /// ([`crate::Decoder::ids_only_for`]) and none names this one.
    pub id: Option<ObjId>,
    /// `TN`/`TNRef`, most derived first, exactly as written (no `Deserialized.` prefix added;
    /// see [`deserialized_type_name`]). Shared so that `TNRef`s cost nothing.
    pub type_names: Option<Arc<[String]>>,
    /// `ToString`
    pub to_string: Option<String>,
    /// A primitive base value (extended primitive), a known container, or a nested `Obj`.
    pub base: Option<Base>,
    /// `Props`: adapted properties, in document order.
    pub adapted: Vec<(String, Value)>,
    /// `MS`: extended members, in document order.
    pub extended: Vec<Member>,
}

/// What an `<Obj>` wraps besides its members.
#[derive(Debug, Clone, PartialEq)]
pub enum Base {
    /// A primitive element (or `Obj`/`Ref`) directly inside the `Obj`.
    Value(Value),
    /// `LST`, `IE`, `STK` (top first, as written), `QUE`.
    List(ListKind, Vec<Value>),
    /// `DCT`: entries in document order; keys of any type, duplicates kept.
    Dict(Vec<(Value, Value)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    List,
    Enumerable,
    Stack,
    Queue,
}

/// One child of `MS`.
#[derive(Debug, Clone, PartialEq)]
pub enum Member {
    Property(String, Value),
    /// A nested `<MS N="…">` member set.
    Set(String, Vec<Member>),
}

/// The type name PowerShell shows after deserializing: `Deserialized.` prepended unless the
/// name already starts with it (case-insensitively).
pub fn deserialized_type_name(name: &str) -> std::borrow::Cow<'_, str> {
    const PREFIX: &str = "Deserialized.";
    if name
        .get(..PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
    {
        std::borrow::Cow::Borrowed(name)
    } else {
        std::borrow::Cow::Owned(format!("{PREFIX}{name}"))
    }
}
