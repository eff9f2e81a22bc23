//! Core results straight to JS values, in one pass: a serde `Serializer` that builds the JS
//! objects as it walks the core value, with no intermediate JSON tree or JS-facing twin struct.
//!
//! What it produces is what a JS caller expects of a plain result:
//! - an `Option::None` struct field is left out (as the TypeScript `field?: T` says), a `None`
//!   elsewhere is `null`;
//! - every object is a plain object whose own properties are the data: a `"__proto__"` key (a
//!   hostile registry can send one inside claims) is defined as an own property, never assigned,
//!   so it cannot replace the object's prototype;
//! - numbers are JS numbers, enums unit variants their serde names.

use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use serde::ser::{self, Serialize};

/// A JS value built by [`to_js`], handed back to napi as the call's result.
pub struct Js(sys::napi_value);

impl ToNapiValue for Js {
    unsafe fn to_napi_value(_env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
        Ok(value.0)
    }
}

impl TypeName for Js {
    fn type_name() -> &'static str {
        "unknown"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

/// `value` as a JS value.
pub fn to_js<T: Serialize + ?Sized>(env: &Env, value: &T) -> Result<Js> {
    let ser = Ser(env.raw());
    match value.serialize(ser)? {
        Some(js) => Ok(Js(js)),
        None => ser.undefined().map(Js),
    }
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            "Cannot build the result value",
        ))
    }
}

#[derive(Clone, Copy)]
struct Ser(sys::napi_env);

impl Ser {
    fn make(
        self,
        build: impl FnOnce(sys::napi_env, *mut sys::napi_value) -> sys::napi_status,
    ) -> Result<sys::napi_value> {
        let mut value = ptr::null_mut();
        check(build(self.0, &mut value))?;
        Ok(value)
    }

    fn undefined(self) -> Result<sys::napi_value> {
        self.make(|env, out| unsafe { sys::napi_get_undefined(env, out) })
    }

    fn null(self) -> Result<sys::napi_value> {
        self.make(|env, out| unsafe { sys::napi_get_null(env, out) })
    }

    fn string(self, text: &str) -> Result<sys::napi_value> {
        self.make(|env, out| unsafe {
            sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, out)
        })
    }

    fn number(self, n: f64) -> Result<sys::napi_value> {
        self.make(|env, out| unsafe { sys::napi_create_double(env, n, out) })
    }

    fn object(self) -> Result<sys::napi_value> {
        self.make(|env, out| unsafe { sys::napi_create_object(env, out) })
    }

    fn array(self, length: usize) -> Result<sys::napi_value> {
        self.make(|env, out| unsafe { sys::napi_create_array_with_length(env, length, out) })
    }

    /// Defines own data property `key` (a JS string) of `object`: assignment would run the
    /// `__proto__` setter, definition never does.
    fn define(
        self,
        object: sys::napi_value,
        key: sys::napi_value,
        value: sys::napi_value,
    ) -> Result<()> {
        let property = sys::napi_property_descriptor {
            utf8name: ptr::null(),
            name: key,
            method: None,
            getter: None,
            setter: None,
            value,
            attributes: sys::PropertyAttributes::writable
                | sys::PropertyAttributes::enumerable
                | sys::PropertyAttributes::configurable,
            data: ptr::null_mut(),
        };
        check(unsafe { sys::napi_define_properties(self.0, object, 1, &property) })
    }

    fn set(self, object: sys::napi_value, key: &str, value: sys::napi_value) -> Result<()> {
        let name = self.string(key)?;
        if key == "__proto__" {
            return self.define(object, name, value);
        }
        check(unsafe { sys::napi_set_property(self.0, object, name, value) })
    }
}

type Out = Result<Option<sys::napi_value>>;

impl ser::Serializer for Ser {
    type Ok = Option<sys::napi_value>;
    type Error = Error;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Variant<Seq>;
    type SerializeMap = Map;
    type SerializeStruct = Map;
    type SerializeStructVariant = Variant<Map>;

    fn serialize_bool(self, v: bool) -> Out {
        self.make(|env, out| unsafe { sys::napi_get_boolean(env, v, out) })
            .map(Some)
    }
    fn serialize_i8(self, v: i8) -> Out {
        self.number(v.into()).map(Some)
    }
    fn serialize_i16(self, v: i16) -> Out {
        self.number(v.into()).map(Some)
    }
    fn serialize_i32(self, v: i32) -> Out {
        self.number(v.into()).map(Some)
    }
    fn serialize_i64(self, v: i64) -> Out {
        self.number(v as f64).map(Some)
    }
    fn serialize_u8(self, v: u8) -> Out {
        self.number(v.into()).map(Some)
    }
    fn serialize_u16(self, v: u16) -> Out {
        self.number(v.into()).map(Some)
    }
    fn serialize_u32(self, v: u32) -> Out {
        self.number(v.into()).map(Some)
    }
    fn serialize_u64(self, v: u64) -> Out {
        self.number(v as f64).map(Some)
    }
    fn serialize_f32(self, v: f32) -> Out {
        self.number(v.into()).map(Some)
    }
    fn serialize_f64(self, v: f64) -> Out {
        self.number(v).map(Some)
    }
    fn serialize_char(self, v: char) -> Out {
        self.string(v.encode_utf8(&mut [0; 4])).map(Some)
    }
    fn serialize_str(self, v: &str) -> Out {
        self.string(v).map(Some)
    }
    fn serialize_bytes(self, v: &[u8]) -> Out {
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for byte in v {
            ser::SerializeSeq::serialize_element(&mut seq, byte)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Out {
        Ok(None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Out {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out {
        self.null().map(Some)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Out {
        self.null().map(Some)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Out {
        self.string(variant).map(Some)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Out {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Out {
        let object = self.object()?;
        let inner = value.serialize(self)?.map_or_else(|| self.null(), Ok)?;
        self.set(object, variant, inner)?;
        Ok(Some(object))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq> {
        Ok(Seq {
            ser: self,
            array: self.array(len.unwrap_or(0))?,
            index: 0,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Seq>> {
        Ok(Variant {
            name: variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Map> {
        Ok(Map {
            ser: self,
            object: self.object()?,
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Map> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Map>> {
        Ok(Variant {
            name: variant,
            inner: self.serialize_map(Some(len))?,
        })
    }
}

pub struct Seq {
    ser: Ser,
    array: sys::napi_value,
    index: u32,
}

impl Seq {
    /// Each element is built in a handle scope of its own: once it is in the array, the handles
    /// of its parts can go, instead of piling up until the whole result is built (10,000 plan
    /// entries held megabytes of handles).
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let mut scope = ptr::null_mut();
        check(unsafe { sys::napi_open_handle_scope(self.ser.0, &mut scope) })?;
        let pushed = value
            .serialize(self.ser)
            .and_then(|element| element.map_or_else(|| self.ser.null(), Ok))
            .and_then(|element| {
                check(unsafe { sys::napi_set_element(self.ser.0, self.array, self.index, element) })
            });
        check(unsafe { sys::napi_close_handle_scope(self.ser.0, scope) })?;
        pushed?;
        self.index += 1;
        Ok(())
    }
}

impl ser::SerializeSeq for Seq {
    type Ok = Option<sys::napi_value>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Out {
        Ok(Some(self.array))
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = Option<sys::napi_value>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Out {
        Ok(Some(self.array))
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = Option<sys::napi_value>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Out {
        Ok(Some(self.array))
    }
}

pub struct Map {
    ser: Ser,
    object: sys::napi_value,
    /// The key of the entry being written (`serialize_key` then `serialize_value`).
    key: Option<String>,
}

impl Map {
    /// A `None` value leaves the entry out.
    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<()> {
        match value.serialize(self.ser)? {
            Some(value) => self.ser.set(self.object, key, value),
            None => Ok(()),
        }
    }
}

impl ser::SerializeMap for Map {
    type Ok = Option<sys::napi_value>;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(key.serialize(KeySer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self.key.take().unwrap_or_default();
        self.entry(&key, value)
    }
    fn end(self) -> Out {
        Ok(Some(self.object))
    }
}

impl ser::SerializeStruct for Map {
    type Ok = Option<sys::napi_value>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.entry(key, value)
    }
    fn end(self) -> Out {
        Ok(Some(self.object))
    }
}

/// A tuple or struct variant: `{ variant: inner }`.
pub struct Variant<T> {
    name: &'static str,
    inner: T,
}

impl<T> Variant<T> {
    fn wrap(ser: Ser, name: &str, inner: Option<sys::napi_value>) -> Out {
        let object = ser.object()?;
        let inner = inner.map_or_else(|| ser.null(), Ok)?;
        ser.set(object, name, inner)?;
        Ok(Some(object))
    }
}

impl ser::SerializeTupleVariant for Variant<Seq> {
    type Ok = Option<sys::napi_value>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.inner.push(value)
    }
    fn end(self) -> Out {
        let ser = self.inner.ser;
        Self::wrap(ser, self.name, Some(self.inner.array))
    }
}

impl ser::SerializeStructVariant for Variant<Map> {
    type Ok = Option<sys::napi_value>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.inner.entry(key, value)
    }
    fn end(self) -> Out {
        let ser = self.inner.ser;
        Self::wrap(ser, self.name, Some(self.inner.object))
    }
}

/// Map keys: strings, or numbers and booleans written as JS would key them.
struct KeySer;

fn not_a_key() -> Error {
    Error::new(Status::InvalidArg, "A map key must be a string")
}

impl ser::Serializer for KeySer {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = ser::Impossible<String, Error>;
    type SerializeTuple = ser::Impossible<String, Error>;
    type SerializeTupleStruct = ser::Impossible<String, Error>;
    type SerializeTupleVariant = ser::Impossible<String, Error>;
    type SerializeMap = ser::Impossible<String, Error>;
    type SerializeStruct = ser::Impossible<String, Error>;
    type SerializeStructVariant = ser::Impossible<String, Error>;

    fn serialize_str(self, v: &str) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_bool(self, v: bool) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_f64(self, v: f64) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String> {
        value.serialize(self)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String> {
        Err(not_a_key())
    }
    fn serialize_none(self) -> Result<String> {
        Err(not_a_key())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String> {
        Err(not_a_key())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String> {
        Err(not_a_key())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String> {
        Err(not_a_key())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_a_key())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(not_a_key())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_a_key())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_a_key())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_a_key())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(not_a_key())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_a_key())
    }
}
