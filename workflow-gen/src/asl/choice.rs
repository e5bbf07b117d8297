//! Choice states and their conditions: every comparison operator, its `*Path` form, the `Is*` tests,
//! and And / Or / Not.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Choice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    pub choices: Vec<ChoiceRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChoiceRule {
    #[serde(flatten)]
    pub condition: Condition,
    pub next: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Test { variable: String, test: Test },
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self {
            Condition::Test { variable, test } => {
                map.serialize_entry("Variable", variable)?;
                test.serialize_entry(&mut map)?;
            }
            Condition::And(all) => map.serialize_entry("And", all)?,
            Condition::Or(any) => map.serialize_entry("Or", any)?,
            Condition::Not(negated) => map.serialize_entry("Not", negated)?,
        }
        map.end()
    }
}

/// A number as ASL wants it: integral values render without a fraction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const EXACT: f64 = (1u64 << 53) as f64;
        if self.0.fract() == 0.0 && self.0.abs() < EXACT {
            serializer.serialize_i64(self.0 as i64)
        } else {
            serializer.serialize_f64(self.0)
        }
    }
}

macro_rules! num_from {
    ($($t:ty),*) => { $(impl From<$t> for Num { fn from(n: $t) -> Self { Num(n as f64) } })* };
}
num_from!(i32, i64, u32, u64, f64);

/// Declares the comparison operators once: the `Test` variants and the `Var` methods that build them.
macro_rules! comparisons {
    ($($variant:ident($ty:ty) => $method:ident),* $(,)?) => {
        /// One comparison of a Choice rule's `Variable`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Test {
            $($variant($ty),)*
        }

        impl Test {
            pub fn operator(&self) -> &'static str {
                match self { $(Test::$variant(_) => stringify!($variant),)* }
            }

            /// The operand, as it appears in the JSON.
            pub fn operand(&self) -> serde_json::Value {
                match self { $(Test::$variant(value) => serde_json::json!(value),)* }
            }

            fn serialize_entry<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                match self { $(Test::$variant(value) => map.serialize_entry(stringify!($variant), value),)* }
            }
        }

        impl Var {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                pub fn $method(self, value: impl Into<$ty>) -> Condition {
                    Condition::Test { variable: self.0, test: Test::$variant(value.into()) }
                }
            )*
        }
    };
}

comparisons! {
    StringEquals(String) => string_equals,
    StringEqualsPath(String) => string_equals_path,
    StringLessThan(String) => string_less_than,
    StringLessThanPath(String) => string_less_than_path,
    StringGreaterThan(String) => string_greater_than,
    StringGreaterThanPath(String) => string_greater_than_path,
    StringLessThanEquals(String) => string_less_than_equals,
    StringLessThanEqualsPath(String) => string_less_than_equals_path,
    StringGreaterThanEquals(String) => string_greater_than_equals,
    StringGreaterThanEqualsPath(String) => string_greater_than_equals_path,
    StringMatches(String) => string_matches,
    NumericEquals(Num) => numeric_equals,
    NumericEqualsPath(String) => numeric_equals_path,
    NumericLessThan(Num) => numeric_less_than,
    NumericLessThanPath(String) => numeric_less_than_path,
    NumericGreaterThan(Num) => numeric_greater_than,
    NumericGreaterThanPath(String) => numeric_greater_than_path,
    NumericLessThanEquals(Num) => numeric_less_than_equals,
    NumericLessThanEqualsPath(String) => numeric_less_than_equals_path,
    NumericGreaterThanEquals(Num) => numeric_greater_than_equals,
    NumericGreaterThanEqualsPath(String) => numeric_greater_than_equals_path,
    BooleanEquals(bool) => boolean_equals,
    BooleanEqualsPath(String) => boolean_equals_path,
    TimestampEquals(String) => timestamp_equals,
    TimestampEqualsPath(String) => timestamp_equals_path,
    TimestampLessThan(String) => timestamp_less_than,
    TimestampLessThanPath(String) => timestamp_less_than_path,
    TimestampGreaterThan(String) => timestamp_greater_than,
    TimestampGreaterThanPath(String) => timestamp_greater_than_path,
    TimestampLessThanEquals(String) => timestamp_less_than_equals,
    TimestampLessThanEqualsPath(String) => timestamp_less_than_equals_path,
    TimestampGreaterThanEquals(String) => timestamp_greater_than_equals,
    TimestampGreaterThanEqualsPath(String) => timestamp_greater_than_equals_path,
    IsNull(bool) => is_null,
    IsPresent(bool) => is_present,
    IsNumeric(bool) => is_numeric,
    IsString(bool) => is_string,
    IsBoolean(bool) => is_boolean,
    IsTimestamp(bool) => is_timestamp,
}

/// The `Variable` of a comparison: `var("$.image.State").string_equals("available")`.
#[derive(Debug, Clone)]
pub struct Var(String);

pub fn var(path: impl Into<String>) -> Var {
    Var(path.into())
}

impl Var {
    /// Equal to any of `values`: one StringEquals rule each, joined by Or.
    pub fn string_equals_any<S: Into<String>>(self, values: impl IntoIterator<Item = S>) -> Condition {
        any(values.into_iter().map(|value| self.clone().string_equals(value.into())))
    }
}

impl Condition {
    pub fn and(self, other: Condition) -> Condition {
        match self {
            Condition::And(mut all) => {
                all.push(other);
                Condition::And(all)
            }
            first => Condition::And(vec![first, other]),
        }
    }

    pub fn or(self, other: Condition) -> Condition {
        match self {
            Condition::Or(mut any) => {
                any.push(other);
                Condition::Or(any)
            }
            first => Condition::Or(vec![first, other]),
        }
    }
}

pub fn all(conditions: impl IntoIterator<Item = Condition>) -> Condition {
    Condition::And(conditions.into_iter().collect())
}

pub fn any(conditions: impl IntoIterator<Item = Condition>) -> Condition {
    Condition::Or(conditions.into_iter().collect())
}

pub fn not(condition: Condition) -> Condition {
    Condition::Not(Box::new(condition))
}
