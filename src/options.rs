//! Strict decoding of JS option objects, in one pass, straight into core types.
//!
//! Only own enumerable properties count: an `Object.prototype.registry` set by some other code
//! is not an option. Every key the caller set must be one the operation reads, or the call is
//! refused with `EINVALIDINPUT` naming it (and the option it probably meant); a misspelt
//! `enviroment` must never quietly configure a publisher with no environment restriction. A
//! value of the wrong type is refused naming the option and the type it has, never the value:
//! a mistyped `otp` or `token` is still a secret.

use napi::bindgen_prelude::*;
use napi::{JsValue, KeyCollectionMode, KeyConversion, KeyFilter, ValueType};
use napi_derive::napi;
use serde_json::Value;

use trust_core::error::{Code, Error as CoreError, Result as CoreResult};

/// The options of one call: the keys the caller set, and the ones read so far.
pub struct Options<'env> {
    object: Option<Object<'env>>,
    /// Own enumerable string keys whose value is not `undefined`.
    keys: Vec<String>,
    read: Vec<&'static str>,
    /// What the options are called in messages: `options`, `the TrustClient options`, ...
    what: &'static str,
}

fn invalid(field: &str, message: String) -> CoreError {
    CoreError::invalid_input(field, message)
}

/// `a string`, `a number`, ... for messages: the type, never the value.
fn type_name(value: &Unknown) -> &'static str {
    match value.get_type() {
        Ok(ValueType::String) => "a string",
        Ok(ValueType::Number) => "a number",
        Ok(ValueType::Boolean) => "a boolean",
        Ok(ValueType::Object) => {
            if value.is_array().unwrap_or(false) {
                "an array"
            } else {
                "an object"
            }
        }
        Ok(ValueType::Function) => "a function",
        Ok(ValueType::BigInt) => "a bigint",
        Ok(ValueType::Symbol) => "a symbol",
        Ok(ValueType::Null) => "null",
        _ => "of another type",
    }
}

impl<'env> Options<'env> {
    /// Reads the keys of `value`, which must be an object, `undefined` or `null`.
    pub fn new(value: Option<Unknown<'env>>, what: &'static str) -> CoreResult<Self> {
        let object = match value {
            None => None,
            Some(value) => match value.get_type() {
                Ok(ValueType::Undefined | ValueType::Null) => None,
                Ok(ValueType::Object) if !value.is_array().unwrap_or(false) => {
                    // SAFETY: the type was checked just above.
                    Some(unsafe { value.cast::<Object>() }.map_err(|_| {
                        CoreError::new(Code::InvalidInput, format!("The {what} cannot be read."))
                    })?)
                }
                _ => {
                    return Err(CoreError::new(
                        Code::InvalidInput,
                        format!("The {what} must be an object, not {}.", type_name(&value)),
                    ))
                }
            },
        };
        let keys = match &object {
            Some(object) => own_keys(object)?,
            None => Vec::new(),
        };
        Ok(Options {
            object,
            keys,
            read: Vec::new(),
            what,
        })
    }

    /// The value of own property `name`, if set (`undefined` and `null` are unset).
    pub fn raw(&mut self, name: &'static str) -> CoreResult<Option<Unknown<'env>>> {
        self.read.push(name);
        let (Some(object), true) = (&self.object, self.keys.iter().any(|k| k == name)) else {
            return Ok(None);
        };
        let value: Unknown = object.get_named_property(name).map_err(|_| {
            // A getter or Proxy trap threw: the call rejects instead of throwing.
            clear_exception(object.value().env);
            invalid(name, format!("Option `{name}` cannot be read."))
        })?;
        Ok(match value.get_type() {
            Ok(ValueType::Undefined | ValueType::Null) => None,
            _ => Some(value),
        })
    }

    fn typed<T>(
        &mut self,
        name: &'static str,
        expected: &str,
        convert: impl FnOnce(&Unknown<'env>) -> Option<T>,
    ) -> CoreResult<Option<T>> {
        let Some(value) = self.raw(name)? else {
            return Ok(None);
        };
        match convert(&value) {
            Some(converted) => Ok(Some(converted)),
            None => Err(invalid(
                name,
                format!(
                    "Option `{name}` must be {expected}, not {}.",
                    type_name(&value)
                ),
            )),
        }
    }

    pub fn string(&mut self, name: &'static str) -> CoreResult<Option<String>> {
        self.typed(name, "a string", as_string)
    }

    pub fn boolean(&mut self, name: &'static str) -> CoreResult<Option<bool>> {
        self.typed(name, "a boolean", |v| {
            matches!(v.get_type(), Ok(ValueType::Boolean))
                .then(|| unsafe { v.cast::<bool>() }.ok())
                .flatten()
        })
    }

    /// A whole number from 0 to 2^32-1 (milliseconds, counts).
    pub fn count(&mut self, name: &'static str) -> CoreResult<Option<u32>> {
        self.typed(name, "a whole number from 0 to 4294967295", |v| {
            let n = matches!(v.get_type(), Ok(ValueType::Number))
                .then(|| unsafe { v.cast::<f64>() }.ok())
                .flatten()?;
            (n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n)).then_some(n as u32)
        })
    }

    /// A finite number (weights, days).
    pub fn number(&mut self, name: &'static str) -> CoreResult<Option<f64>> {
        self.typed(name, "a finite number", |v| {
            matches!(v.get_type(), Ok(ValueType::Number))
                .then(|| unsafe { v.cast::<f64>() }.ok())
                .flatten()
                .filter(|n| n.is_finite())
        })
    }

    /// A finite number above zero (a rate).
    pub fn positive(&mut self, name: &'static str) -> CoreResult<Option<f64>> {
        self.typed(name, "a number greater than 0", |v| {
            let n = matches!(v.get_type(), Ok(ValueType::Number))
                .then(|| unsafe { v.cast::<f64>() }.ok())
                .flatten()?;
            (n.is_finite() && n > 0.0).then_some(n)
        })
    }

    /// Several strings, or one (npm's `--context-id` takes one or many).
    pub fn list(&mut self, name: &'static str) -> CoreResult<Option<Vec<String>>> {
        self.typed(name, "a string or an array of strings", |v| {
            if let Some(one) = as_string(v) {
                return Some(vec![one]);
            }
            let array = as_array(v)?;
            let length = array.get_array_length().ok()?;
            (0..length)
                .map(|i| as_string(&array.get_element::<Unknown>(i).ok()?))
                .collect()
        })
    }

    /// An object (not an array).
    pub fn object(&mut self, name: &'static str) -> CoreResult<Option<Object<'env>>> {
        self.typed(name, "an object", |v| {
            (matches!(v.get_type(), Ok(ValueType::Object)) && !v.is_array().unwrap_or(true))
                .then(|| unsafe { v.cast::<Object>() }.ok())
                .flatten()
        })
    }

    pub fn function(&mut self, name: &'static str) -> CoreResult<Option<Unknown<'env>>> {
        self.typed(name, "a function", |v| {
            matches!(v.get_type(), Ok(ValueType::Function)).then_some(*v)
        })
    }

    /// Any JSON-like value (strings, numbers, booleans, arrays, plain objects).
    pub fn json(&mut self, name: &'static str) -> CoreResult<Option<Value>> {
        let Some(value) = self.raw(name)? else {
            return Ok(None);
        };
        to_json(value).map(Some).map_err(|_| {
            invalid(
                name,
                format!(
                    "Option `{name}` must be JSON data: no functions or cycles, nested at most \
                         {MAX_DEPTH} levels."
                ),
            )
        })
    }

    /// Refuses the keys the caller set that no read asked for.
    pub fn finish(self) -> CoreResult<()> {
        let Some(unknown) = self
            .keys
            .iter()
            .find(|key| !self.read.contains(&key.as_str()))
        else {
            return Ok(());
        };
        // A key is the caller's input: shown short, and only a short one is worth a suggestion.
        let long = unknown.chars().count() > SHOWN;
        let unknown = if long {
            format!("{}…", unknown.chars().take(SHOWN).collect::<String>())
        } else {
            unknown.clone()
        };
        let hint = (!long)
            .then(|| closest(&unknown, &self.read))
            .flatten()
            .map(|known| format!(" Did you mean `{known}`?"))
            .unwrap_or_default();
        let mut known = self.read.clone();
        known.sort_unstable();
        known.dedup();
        Err(invalid(
            &unknown,
            format!(
                "Unknown option `{unknown}` in the {}.{hint} Known options: {}.",
                self.what,
                known.join(", ")
            ),
        ))
    }
}

/// A positional argument that must be a string when given (`decodeIdToken(jwt)`, `cwd`).
pub fn string_argument(value: Option<Unknown>, name: &'static str) -> CoreResult<Option<String>> {
    let Some(value) = value else {
        return Ok(None);
    };
    if matches!(value.get_type(), Ok(ValueType::Undefined | ValueType::Null)) {
        return Ok(None);
    }
    as_string(&value).map(Some).ok_or_else(|| {
        invalid(
            name,
            format!("`{name}` must be a string, not {}.", type_name(&value)),
        )
    })
}

fn as_string(value: &Unknown) -> Option<String> {
    matches!(value.get_type(), Ok(ValueType::String))
        .then(|| unsafe { value.cast::<String>() }.ok())
        .flatten()
}

fn as_array<'env>(value: &Unknown<'env>) -> Option<Object<'env>> {
    value
        .is_array()
        .unwrap_or(false)
        .then(|| unsafe { value.cast::<Object>() }.ok())
        .flatten()
}

/// Drops the JS exception a failed read left pending, so that the failure is reported as the
/// call's `EINVALIDINPUT` rejection rather than thrown when the native function returns.
pub fn clear_exception(env: napi::sys::napi_env) {
    let mut exception = std::ptr::null_mut();
    unsafe { napi::sys::napi_get_and_clear_last_exception(env, &mut exception) };
}

/// Own enumerable string keys with a value other than `undefined`.
fn own_keys(object: &Object) -> CoreResult<Vec<String>> {
    let failed = |_| {
        clear_exception(object.value().env);
        CoreError::new(Code::InvalidInput, "The options cannot be read.")
    };
    let names = object
        .get_all_property_names(
            KeyCollectionMode::OwnOnly,
            KeyFilter::Enumerable,
            KeyConversion::NumbersToStrings,
        )
        .map_err(failed)?;
    let length = names.get_array_length().map_err(failed)?;
    let mut keys = Vec::with_capacity(length as usize);
    for i in 0..length {
        let name: Unknown = names.get_element(i).map_err(failed)?;
        if let Some(name) = as_string(&name) {
            keys.push(name);
        }
    }
    Ok(keys)
}

/// A JS value as JSON, reading own enumerable properties only and rejecting what JSON cannot
/// hold (functions, symbols, bigints, cycles past a sane depth).
pub fn to_json(value: Unknown) -> napi::Result<Value> {
    to_json_at(value, 0)
}

const MAX_DEPTH: usize = 64;

fn to_json_at(value: Unknown, depth: usize) -> napi::Result<Value> {
    let unsupported = || napi::Error::from_reason("not JSON data");
    if depth > MAX_DEPTH {
        return Err(unsupported());
    }
    Ok(match value.get_type()? {
        ValueType::Undefined | ValueType::Null => Value::Null,
        ValueType::Boolean => Value::Bool(unsafe { value.cast::<bool>() }?),
        ValueType::Number => {
            let n = unsafe { value.cast::<f64>() }?;
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or_else(unsupported)?
        }
        ValueType::String => Value::String(unsafe { value.cast::<String>() }?),
        ValueType::Object if value.is_array()? => {
            let array = unsafe { value.cast::<Object>() }?;
            let length = array.get_array_length()?;
            let mut items = Vec::with_capacity(length as usize);
            for i in 0..length {
                items.push(to_json_at(array.get_element(i)?, depth + 1)?);
            }
            Value::Array(items)
        }
        ValueType::Object => {
            let object = unsafe { value.cast::<Object>() }?;
            let mut map = serde_json::Map::new();
            for key in own_keys(&object).map_err(|_| unsupported())? {
                let item: Unknown = object.get_named_property(&key)?;
                if matches!(item.get_type()?, ValueType::Undefined) {
                    continue;
                }
                map.insert(key, to_json_at(item, depth + 1)?);
            }
            Value::Object(map)
        }
        _ => return Err(unsupported()),
    })
}

/// The known name closest to `unknown` (the CLI's flags, without their dashes), as an unknown
/// option is answered: same letters in another case, or at most two edits away (`fiel` ->
/// `file`, `workspace` -> `workspaces`); `null` when none is close, or `unknown` is too long
/// to be a typo of one.
///
/// @example
/// ```js
/// import { closestName } from 'trust-native'
/// closestName('fiel', ['file', 'workspaces']) // 'file'
/// ```
#[napi]
pub fn closest_name(unknown: String, known: Vec<String>) -> Option<String> {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    (unknown.chars().count() <= SHOWN)
        .then(|| closest(&unknown, &known))
        .flatten()
        .map(str::to_string)
}

/// How much of an unknown key is shown, and compared: a longer one is no typo (comparing a
/// megabyte-long key with every option would take seconds).
const SHOWN: usize = 64;

/// The known option closest to `unknown`: same letters in another case, or at most two edits
/// away (`enviroment` -> `environment`, `allowpublish` -> `allowPublish`). An edit is
/// Levenshtein's, or a swap of neighbours (`repostiory`): the optimal string alignment
/// distance.
fn closest<'k>(unknown: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = unknown.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::osa_distance(&lower, &k.to_lowercase()), *k))
        .filter(|(distance, _)| *distance <= 2.max(unknown.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_option_meant() {
        let known = ["environment", "allowPublish", "repository", "file"];
        assert_eq!(closest("enviroment", &known), Some("environment"));
        assert_eq!(closest("allowpublish", &known), Some("allowPublish"));
        assert_eq!(closest("repostiory", &known), Some("repository"));
        assert_eq!(closest("workflow", &known), None);
        // The CLI's flags: the same comparison, and no suggestion for a key that is no typo.
        let flags = vec!["file".to_string(), "workspaces".to_string()];
        assert_eq!(
            closest_name("workspace".into(), flags.clone()).as_deref(),
            Some("workspaces")
        );
        assert_eq!(closest_name("file".repeat(40), flags), None);
    }
}
