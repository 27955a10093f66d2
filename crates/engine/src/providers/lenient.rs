//! Lenient JSON scalars: a number, a numeric string or a bool read as an integer, an id,
//! a text or a flag, the way providers really send them (ids as numbers or strings,
//! counts as `"12"`, flags as `1`/`"yes"`). One reading for every provider: typed wire
//! structs decode through [`Scalar`] as a serde field type, the others read
//! `serde_json::Value`s through [`text`], [`int`], [`id`] and [`flag`], which convert
//! to a [`Scalar`] first.
//!
//! Integers are exact: an integer (or an integer string) never passes through `f64`, so
//! an id above 2^53 keeps every digit. Floats (and float strings) count only within
//! ±2^53, truncated.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Any JSON value reduced to a scalar; arrays and objects are consumed and become `Other`.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Other,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// Largest integer an f64 holds exactly (2^53).
const F64_EXACT: f64 = 9_007_199_254_740_992.0;

fn float_to_i64(f: f64) -> Option<i64> {
    if f.is_finite() && f.abs() <= F64_EXACT {
        Some(f.trunc() as i64)
    } else {
        None
    }
}

pub fn parse_int_text(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    s.parse::<i64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().and_then(float_to_i64))
}

impl Scalar {
    pub fn into_text(self) -> Option<String> {
        match self {
            Scalar::Str(s) => {
                let t = s.trim();
                if t.is_empty() {
                    None
                } else if t.len() == s.len() {
                    Some(s)
                } else {
                    Some(t.to_owned())
                }
            }
            Scalar::Int(i) => Some(i.to_string()),
            Scalar::UInt(u) => Some(u.to_string()),
            Scalar::Float(f) if f.is_finite() => Some(f.to_string()),
            Scalar::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn into_int(self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(i),
            Scalar::UInt(u) => i64::try_from(u).ok(),
            Scalar::Float(f) => float_to_i64(f),
            Scalar::Str(s) => parse_int_text(&s),
            _ => None,
        }
    }

    pub fn into_id(self) -> Option<String> {
        match self {
            Scalar::Float(f) => float_to_i64(f).map(|i| i.to_string()),
            Scalar::Bool(_) => None,
            other => other.into_text(),
        }
    }

    pub fn into_flag(self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(b),
            Scalar::Int(i) => Some(i != 0),
            Scalar::UInt(u) => Some(u != 0),
            Scalar::Float(f) if f.is_finite() => Some(f != 0.0),
            Scalar::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" | "active" | "enabled" => Some(true),
                "0" | "false" | "no" | "off" | "inactive" | "disabled" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

impl From<&Value> for Scalar {
    fn from(v: &Value) -> Scalar {
        match v {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Scalar::Int(i),
                (None, Some(u), _) => Scalar::UInt(u),
                (None, None, Some(f)) => Scalar::Float(f),
                (None, None, None) => Scalar::Other,
            },
            Value::String(s) => Scalar::Str(s.clone()),
            Value::Array(_) | Value::Object(_) => Scalar::Other,
        }
    }
}

/// Text of a string (trimmed), number or bool; None for null, objects, lists and "".
pub fn text(v: &Value) -> Option<String> {
    Scalar::from(v).into_text()
}

/// An integer from a number (floats truncated within ±2^53) or a numeric string.
pub fn int(v: &Value) -> Option<i64> {
    Scalar::from(v).into_int()
}

/// An id: an integer (exact, any size), an integral float within 2^53, or a non-empty
/// string (trimmed). Bools are not ids.
pub fn id(v: &Value) -> Option<String> {
    Scalar::from(v).into_id()
}

/// An id where `0` and negative numbers mean "none" (foreign keys where 0 means unset).
pub fn positive_id(v: &Value) -> Option<String> {
    let s = Scalar::from(v);
    let number = matches!(s, Scalar::Int(_) | Scalar::UInt(_) | Scalar::Float(_));
    s.into_id()
        .filter(|id| id != "0" && !(number && id.starts_with('-')))
}

/// A non-negative count from text (`"12"`, `"12.0"`; a fraction rounds to the nearest,
/// within 2^53), as XML bodies carry numbers.
pub fn count_text(s: &str) -> Option<u64> {
    let t = s.trim();
    t.parse::<u64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f <= F64_EXACT)
            .map(|f| f.round() as u64)
    })
}

/// A flag from text: the words [`flag`] knows (`1`, `true`, `yes`, `on` …).
pub fn flag_text(s: &str) -> Option<bool> {
    Scalar::Str(s.to_owned()).into_flag()
}

/// A flag from a bool, a number (non-zero is true) or a word: `1`/`true`/`yes`/`on`/
/// `active`/`enabled` and their opposites, any case.
pub fn flag(v: &Value) -> Option<bool> {
    Scalar::from(v).into_flag()
}

/// A JSON object, as the keyed readers below take it.
pub type Object = serde_json::Map<String, Value>;

/// The [`text`] of `key` ("" when missing, null or blank).
pub fn text_at(o: &Object, key: &str) -> String {
    o.get(key).and_then(text).unwrap_or_default()
}

/// The [`int`] of `key`.
pub fn int_at(o: &Object, key: &str) -> Option<i64> {
    o.get(key).and_then(int)
}

/// The [`flag`] of `key`.
pub fn flag_at(o: &Object, key: &str) -> Option<bool> {
    o.get(key).and_then(flag)
}

/// The [`positive_id`] of `key`.
pub fn positive_id_at(o: &Object, key: &str) -> Option<String> {
    o.get(key).and_then(positive_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_above_two_to_the_53_keep_every_digit() {
        let big = "9007199254740993";
        assert_eq!(id(&json!(big)).as_deref(), Some(big));
        let number: Value = serde_json::from_str(big).expect("a JSON number");
        assert_eq!(id(&number).as_deref(), Some(big));
        assert_eq!(positive_id(&number).as_deref(), Some(big));
        assert_eq!(int(&json!(big)), Some(9_007_199_254_740_993));
        assert_eq!(int(&number), Some(9_007_199_254_740_993));
        assert_eq!(text(&number).as_deref(), Some(big));
        let huge: Value = serde_json::from_str("18446744073709551615").expect("u64::MAX");
        assert_eq!(id(&huge).as_deref(), Some("18446744073709551615"));
        assert_eq!(int(&huge), None);
        // Through serde, as typed wire structs read it.
        let s: Scalar = serde_json::from_str(big).expect("a scalar");
        assert_eq!(s.into_id().as_deref(), Some(big));
    }

    #[test]
    fn scalars_read_leniently() {
        assert_eq!(text(&json!("  a b ")).as_deref(), Some("a b"));
        assert_eq!(text(&json!("   ")), None);
        assert_eq!(text(&json!(12)).as_deref(), Some("12"));
        assert_eq!(text(&json!(true)).as_deref(), Some("true"));
        assert_eq!(text(&json!({"a": 1})), None);
        assert_eq!(int(&json!(" 42 ")), Some(42));
        assert_eq!(int(&json!("12.9")), Some(12));
        assert_eq!(int(&json!(12.9)), Some(12));
        assert_eq!(int(&json!(1e300)), None);
        assert_eq!(int(&json!("x")), None);
        assert_eq!(int(&json!(true)), None);
        assert_eq!(id(&json!(" 7 ")).as_deref(), Some("7"));
        assert_eq!(id(&json!(7.0)).as_deref(), Some("7"));
        assert_eq!(id(&json!(false)), None);
        assert_eq!(positive_id(&json!(0)), None);
        assert_eq!(positive_id(&json!("0")), None);
        assert_eq!(positive_id(&json!(-3)), None);
        assert_eq!(positive_id(&json!("-3")).as_deref(), Some("-3"));
        assert_eq!(flag(&json!("Yes")), Some(true));
        assert_eq!(flag(&json!("disabled")), Some(false));
        assert_eq!(flag(&json!(0)), Some(false));
        assert_eq!(flag(&json!(0.5)), Some(true));
        assert_eq!(flag(&json!("maybe")), None);
        assert_eq!(count_text(" 12 "), Some(12));
        assert_eq!(count_text("12.6"), Some(13));
        assert_eq!(count_text("-1"), None);
        assert_eq!(count_text("18446744073709551615"), Some(u64::MAX));
        assert_eq!(flag_text("ON"), Some(true));
    }
}
