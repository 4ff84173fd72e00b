//! The capture header and event record of `docs/capture-format.md`, and their exact JSON form.
//!
//! Events are a typed enum rather than a bag of optional fields so that an event which cannot
//! exist (a `recv` without a connection, a `rest` without a status) cannot be built either. The
//! string fields are `Cow` so the reader can lend them straight out of its line buffer while the
//! recorder owns them.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::scan;
use crate::market::{Nanos, VenueId, now_nanos};

/// The only format version this code writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// Line 1 of every capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// When the capture was started, nanoseconds since the Unix epoch.
    pub created_ns: Nanos,
    /// Free text: what was recorded, or where an import came from.
    pub note: String,
}

impl Header {
    /// A header stamped with the current wall clock.
    pub fn now(note: impl Into<String>) -> Self {
        Header {
            created_ns: now_nanos(),
            note: note.into(),
        }
    }

    /// Parses a header line; the message says what is wrong with it.
    pub(crate) fn parse(line: &str) -> Result<Header, String> {
        let raw: RawHeader<'_> = serde_json::from_str(line).map_err(json_error)?;
        if raw.depthscope_capture != FORMAT_VERSION {
            return Err(format!(
                "unsupported capture version {} (this reader understands {FORMAT_VERSION})",
                raw.depthscope_capture
            ));
        }
        Ok(Header {
            created_ns: raw.created_ns,
            note: raw.note.into_owned(),
        })
    }
}

/// Writes `{"depthscope_capture":1,"created_ns":…,"note":"…"}`, the field order of the spec.
impl Serialize for Header {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RawHeader {
            depthscope_capture: FORMAT_VERSION,
            created_ns: self.created_ns,
            note: Cow::Borrowed(&self.note),
        }
        .serialize(s)
    }
}

#[derive(Serialize, Deserialize)]
struct RawHeader<'a> {
    depthscope_capture: u64,
    created_ns: u64,
    #[serde(borrow, default)]
    note: Cow<'a, str>,
}

/// One thing the process observed on a venue connection or REST call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event<'a> {
    /// Local time in nanoseconds: receive time for `recv`/`rest`, send time for `sent`.
    pub t: Nanos,
    pub venue: VenueId,
    pub kind: EventKind<'a>,
}

/// The event kinds (`ev`) with exactly the fields each one carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind<'a> {
    /// A WebSocket connection was opened; `conn` numbers it for the rest of the capture.
    Open { conn: u64, url: Cow<'a, str> },
    /// A frame we sent (subscriptions tell replay what the adapter asked for).
    Sent { conn: u64, payload: Payload<'a> },
    /// A frame we received, exactly as received.
    Recv { conn: u64, payload: Payload<'a> },
    /// The connection ended (close frame, error, watchdog, shutdown).
    Close { conn: u64, reason: Cow<'a, str> },
    /// A REST response (snapshots); not tied to a connection.
    Rest {
        url: Cow<'a, str>,
        status: u16,
        data: Cow<'a, str>,
    },
}

/// A WebSocket frame's content: text is stored as `data`, binary as base64 in `b64`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    Text(Cow<'a, str>),
    Binary(Cow<'a, [u8]>),
}

impl Payload<'_> {
    pub fn into_owned(self) -> Payload<'static> {
        match self {
            Payload::Text(s) => Payload::Text(Cow::Owned(s.into_owned())),
            Payload::Binary(b) => Payload::Binary(Cow::Owned(b.into_owned())),
        }
    }
}

impl EventKind<'_> {
    /// The `ev` string.
    pub const fn name(&self) -> &'static str {
        match self {
            EventKind::Open { .. } => "open",
            EventKind::Sent { .. } => "sent",
            EventKind::Recv { .. } => "recv",
            EventKind::Close { .. } => "close",
            EventKind::Rest { .. } => "rest",
        }
    }

    /// The connection number, for every kind but `rest`.
    pub const fn conn(&self) -> Option<u64> {
        match self {
            EventKind::Open { conn, .. }
            | EventKind::Sent { conn, .. }
            | EventKind::Recv { conn, .. }
            | EventKind::Close { conn, .. } => Some(*conn),
            EventKind::Rest { .. } => None,
        }
    }
}

impl Event<'_> {
    /// Detaches the event from the buffer it was read from (to keep it past the next read).
    pub fn into_owned(self) -> Event<'static> {
        let own = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        let kind = match self.kind {
            EventKind::Open { conn, url } => EventKind::Open {
                conn,
                url: own(url),
            },
            EventKind::Sent { conn, payload } => EventKind::Sent {
                conn,
                payload: payload.into_owned(),
            },
            EventKind::Recv { conn, payload } => EventKind::Recv {
                conn,
                payload: payload.into_owned(),
            },
            EventKind::Close { conn, reason } => EventKind::Close {
                conn,
                reason: own(reason),
            },
            EventKind::Rest { url, status, data } => EventKind::Rest {
                url: own(url),
                status,
                data: own(data),
            },
        };
        Event {
            t: self.t,
            venue: self.venue,
            kind,
        }
    }
}

/// Writes the fields in the order of the spec's table, omitting those the kind does not have.
impl Serialize for Event<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let conn = self.kind.conn();
        let own_fields = match self.kind {
            EventKind::Rest { .. } => 3,
            _ => 1,
        };
        let mut m = s.serialize_struct("Event", 3 + usize::from(conn.is_some()) + own_fields)?;
        m.serialize_field("t", &self.t)?;
        m.serialize_field("venue", self.venue.as_str())?;
        if let Some(conn) = conn {
            m.serialize_field("conn", &conn)?;
        }
        m.serialize_field("ev", self.kind.name())?;
        match &self.kind {
            EventKind::Open { url, .. } => m.serialize_field("url", url)?,
            EventKind::Sent { payload, .. } | EventKind::Recv { payload, .. } => match payload {
                Payload::Text(data) => m.serialize_field("data", data)?,
                Payload::Binary(bytes) => m.serialize_field("b64", &BASE64.encode(bytes))?,
            },
            EventKind::Close { reason, .. } => m.serialize_field("reason", reason)?,
            EventKind::Rest { url, status, data } => {
                m.serialize_field("url", url)?;
                m.serialize_field("data", data)?;
                m.serialize_field("status", status)?;
            }
        }
        m.end()
    }
}

/// A borrowed string when the JSON has no escapes. (`Option<Cow<str>>` alone would always
/// allocate: serde only borrows a `Cow` that is a field's whole type.)
#[derive(Deserialize)]
pub(super) struct Str<'a>(#[serde(borrow)] pub(super) Cow<'a, str>);

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Ev {
    Open,
    Sent,
    Recv,
    Close,
    Rest,
}

/// Every field any kind may carry; unknown fields are ignored (forward compatibility).
#[derive(Deserialize)]
pub(super) struct RawEvent<'a> {
    pub(super) t: u64,
    #[serde(borrow)]
    pub(super) venue: Str<'a>,
    pub(super) conn: Option<u64>,
    pub(super) ev: Ev,
    #[serde(borrow)]
    pub(super) url: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) data: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) b64: Option<Str<'a>>,
    pub(super) status: Option<u16>,
    #[serde(borrow)]
    pub(super) reason: Option<Str<'a>>,
}

impl<'a> Event<'a> {
    /// Parses one event line, borrowing its strings from `line` where the JSON has no escapes
    /// and an escaped `data` from `scratch` (which the reader reuses from line to line).
    pub(crate) fn parse(line: &'a str, scratch: &'a mut Vec<u8>) -> Result<Event<'a>, String> {
        match scan::scan_event(line, scratch, false) {
            Some(raw) => raw.into_event(),
            None => Event::parse_slow(line),
        }
    }

    /// [`Event::parse`] into an event that borrows nothing, so that a huge line's buffer can be
    /// given back before its frame is used: an escaped `data` is moved out of `scratch` (not
    /// copied), the rest copied.
    pub(crate) fn parse_detached(
        line: &'a str,
        scratch: &'a mut Vec<u8>,
    ) -> Result<Event<'static>, String> {
        let event = match scan::scan_event(line, scratch, true) {
            Some(raw) => raw.into_event(),
            None => Event::parse_slow(line),
        };
        event.map(Event::into_owned)
    }

    /// serde_json reads every valid line and explains every invalid one.
    pub(super) fn parse_slow(line: &'a str) -> Result<Event<'a>, String> {
        serde_json::from_str::<RawEvent<'a>>(line)
            .map_err(json_error)?
            .into_event()
    }
}

impl Ev {
    const fn name(&self) -> &'static str {
        match self {
            Ev::Open => "open",
            Ev::Sent => "sent",
            Ev::Recv => "recv",
            Ev::Close => "close",
            Ev::Rest => "rest",
        }
    }
}

impl<'a> RawEvent<'a> {
    /// Checks that the kind has its fields, moving the strings out (no copies).
    pub(super) fn into_event(self) -> Result<Event<'a>, String> {
        let venue = self.venue.0.parse::<VenueId>().map_err(|e| e.to_string())?;
        let name = self.ev.name();
        let missing = |field: &str| format!("`{name}` event without `{field}`");
        let conn = || self.conn.ok_or_else(|| missing("conn"));
        let kind = match self.ev {
            Ev::Open => EventKind::Open {
                conn: conn()?,
                url: self.url.ok_or_else(|| missing("url"))?.0,
            },
            Ev::Sent => EventKind::Sent {
                conn: conn()?,
                payload: payload(name, self.data, self.b64)?,
            },
            Ev::Recv => EventKind::Recv {
                conn: conn()?,
                payload: payload(name, self.data, self.b64)?,
            },
            Ev::Close => EventKind::Close {
                conn: conn()?,
                reason: self.reason.ok_or_else(|| missing("reason"))?.0,
            },
            Ev::Rest => EventKind::Rest {
                url: self.url.ok_or_else(|| missing("url"))?.0,
                status: self.status.ok_or_else(|| missing("status"))?,
                data: self.data.ok_or_else(|| missing("data"))?.0,
            },
        };
        Ok(Event {
            t: self.t,
            venue,
            kind,
        })
    }
}

/// A frame is `data` (text) or `b64` (binary), never both.
fn payload<'a>(
    name: &str,
    data: Option<Str<'a>>,
    b64: Option<Str<'a>>,
) -> Result<Payload<'a>, String> {
    match (data, b64) {
        (Some(data), None) => Ok(Payload::Text(data.0)),
        (None, Some(b64)) => BASE64
            .decode(b64.0.as_bytes())
            .map(|bytes| Payload::Binary(Cow::Owned(bytes)))
            .map_err(|e| format!("bad `b64`: {e}")),
        (Some(_), Some(_)) => Err(format!("`{name}` event with both `data` and `b64`")),
        (None, None) => Err(format!("`{name}` event without `data` or `b64`")),
    }
}

/// serde_json's message without its "at line 1 column N" (a capture line is always line 1 to
/// serde_json; the reader adds the file's own line number).
fn json_error(e: serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "truncated JSON",
        serde_json::error::Category::Syntax => "bad JSON",
        serde_json::error::Category::Data | serde_json::error::Category::Io => "bad record",
    };
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = full.strip_suffix(&suffix).unwrap_or(&full);
    format!("{what}: {msg} (column {})", e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind<'static>) -> Event<'static> {
        Event {
            t: 1_700_000_000_123_456_789,
            venue: VenueId::Okx,
            kind,
        }
    }

    #[test]
    fn each_kind_serialises_exactly_its_spec_fields_in_table_order() {
        let cases = [
            (
                ev(EventKind::Open {
                    conn: 1,
                    url: "wss://x/ws".into(),
                }),
                r#"{"t":1700000000123456789,"venue":"okx","conn":1,"ev":"open","url":"wss://x/ws"}"#,
            ),
            (
                ev(EventKind::Sent {
                    conn: 1,
                    payload: Payload::Text(r#"{"op":"subscribe"}"#.into()),
                }),
                r#"{"t":1700000000123456789,"venue":"okx","conn":1,"ev":"sent","data":"{\"op\":\"subscribe\"}"}"#,
            ),
            (
                ev(EventKind::Recv {
                    conn: 2,
                    payload: Payload::Binary(vec![0x1f, 0x8b, 0, 0xff].into()),
                }),
                r#"{"t":1700000000123456789,"venue":"okx","conn":2,"ev":"recv","b64":"H4sA/w=="}"#,
            ),
            (
                ev(EventKind::Close {
                    conn: 2,
                    reason: "watchdog: no data for 30 s".into(),
                }),
                r#"{"t":1700000000123456789,"venue":"okx","conn":2,"ev":"close","reason":"watchdog: no data for 30 s"}"#,
            ),
            (
                ev(EventKind::Rest {
                    url: "https://x/depth?limit=5".into(),
                    status: 200,
                    data: "{}".into(),
                }),
                r#"{"t":1700000000123456789,"venue":"okx","ev":"rest","url":"https://x/depth?limit=5","data":"{}","status":200}"#,
            ),
        ];
        for (event, line) in cases {
            assert_eq!(serde_json::to_string(&event).unwrap(), line);
            assert_eq!(Event::parse(line, &mut Vec::new()).unwrap(), event);
            assert_eq!(Event::parse_slow(line).unwrap(), event);
        }
    }

    #[test]
    fn header_round_trips_and_other_versions_are_refused() {
        let h = Header {
            created_ns: 42,
            note: "BTC \"quoted\"".into(),
        };
        let line = serde_json::to_string(&h).unwrap();
        assert_eq!(
            line,
            r#"{"depthscope_capture":1,"created_ns":42,"note":"BTC \"quoted\""}"#
        );
        assert_eq!(Header::parse(&line).unwrap(), h);
        let err = Header::parse(r#"{"depthscope_capture":2,"created_ns":1,"note":""}"#);
        assert!(err.unwrap_err().contains("unsupported capture version 2"));
    }

    #[test]
    fn unknown_fields_are_ignored_and_plain_strings_are_borrowed() {
        let line =
            r#"{"t":5,"venue":"kraken","conn":3,"ev":"recv","data":"ping","future":{"x":[1]}}"#;
        let e = Event::parse_slow(line).unwrap();
        match e.kind {
            EventKind::Recv {
                conn: 3,
                payload: Payload::Text(Cow::Borrowed("ping")),
            } => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn bad_records_say_what_is_wrong() {
        let cases = [
            (
                r#"{"t":1,"venue":"nyse","conn":1,"ev":"recv","data":"x"}"#,
                "unknown venue `nyse`",
            ),
            (
                r#"{"t":1,"venue":"okx","ev":"recv","data":"x"}"#,
                "`recv` event without `conn`",
            ),
            (
                r#"{"t":1,"venue":"okx","conn":1,"ev":"recv"}"#,
                "without `data` or `b64`",
            ),
            (
                r#"{"t":1,"venue":"okx","conn":1,"ev":"recv","data":"x","b64":"eA=="}"#,
                "both",
            ),
            (
                r#"{"t":1,"venue":"okx","conn":1,"ev":"recv","b64":"@@"}"#,
                "bad `b64`",
            ),
            (
                r#"{"t":1,"venue":"okx","ev":"rest","url":"u","data":"x"}"#,
                "without `status`",
            ),
            (
                r#"{"t":1,"venue":"okx","conn":1,"ev":"close"}"#,
                "without `reason`",
            ),
            (
                r#"{"t":1,"venue":"okx","conn":1,"ev":"boom"}"#,
                "unknown variant `boom`",
            ),
            (
                r#"{"venue":"okx","conn":1,"ev":"open","url":"u"}"#,
                "missing field `t`",
            ),
            (
                r#"{"t":1,"venue":"okx","conn":1,"ev":"recv","data":"x"#,
                "truncated JSON",
            ),
            (r#"{"t":1,"venue":"okx",,}"#, "bad JSON"),
        ];
        for (line, expected) in cases {
            let err = Event::parse(line, &mut Vec::new()).unwrap_err();
            assert!(err.contains(expected), "{line}: {err}");
            assert!(!err.contains("line 1"), "{err}");
        }
    }
}
