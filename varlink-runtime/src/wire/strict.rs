//! A deserializer wrapper that fails on the first unknown field, at any
//! depth, without allocating.
//!
//! Servers must refuse unknown fields in call parameters (UAPI.20 "Unknown
//! Fields"), also inside types that clients decode leniently. serde's
//! derived code reads the value of an unknown field through
//! `deserialize_ignored_any`; this wrapper passes itself down to every
//! nested value and turns that call into an error. It is the fast path of
//! [`super::parse_parameters`]: valid parameters, the common case, go
//! through it at the cost of plain serde_json, and only a failure is parsed
//! again (with `serde_ignored` and `serde_path_to_error`) to name the field.
//! `serde_ignored` on the fast path cost a `String` per object key.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

/// The wrapped deserializer (and, for a nested value, the wrapped value's
/// deserializer).
pub(crate) struct Strict<D>(pub(crate) D);

/// Forwards `deserialize_*` methods to the inner deserializer with the
/// visitor wrapped, so that whatever the visitor is handed is wrapped too.
macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method($($arg,)* Wrap(visitor))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
    }

    /// A structure: in varlink always a JSON object. serde's derived code
    /// also takes an array of the field values, which a server must not.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, ObjectOnly(Wrap(visitor)))
    }

    /// The value of a field the target type does not know.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, D::Error> {
        Err(de::Error::custom("unknown field"))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor, map, sequence, enum or variant access, or seed, that wraps
/// what it passes on in [`Strict`].
struct Wrap<X>(X);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict(d))
    }
}

/// Forwards `visit_*` methods of scalars unchanged.
macro_rules! visit {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Strict(d))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Strict(d))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Wrap(seq))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Wrap(map))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Wrap(data))
    }
}

/// A visitor of a structure that refuses arrays and passes objects on.
struct ObjectOnly<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for ObjectOnly<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<V::Value, A::Error> {
        Err(de::Error::invalid_type(de::Unexpected::Seq, &self))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(map)
    }
    // serde_json hands a struct visitor nothing else: any other value is a
    // type error it reports itself, with `expecting` above.
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Wrap<A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Wrap(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Wrap<A> {
    type Error = A::Error;
    /// Keys are strings in JSON: nothing unknown can hide in them, so they
    /// go unwrapped.
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Wrap(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Wrap<A> {
    type Error = A::Error;
    type Variant = Wrap<A::Variant>;
    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0
            .variant_seed(seed)
            .map(|(v, access)| (v, Wrap(access)))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Wrap<A> {
    type Error = A::Error;
    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Wrap(seed))
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap(visitor))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap(visitor))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Inner {
        id: i64,
        tags: Vec<String>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Plain,
        Fancy,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Outer {
        inner: Option<Inner>,
        list: Vec<Inner>,
        map: HashMap<String, Inner>,
        kind: Kind,
        any: serde_json::Value,
    }

    fn strict(json: &str) -> Result<Outer, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let v = Outer::deserialize(Strict(&mut de))?;
        de.end()?;
        Ok(v)
    }

    #[test]
    fn valid_input_reads_as_without_the_wrapper() {
        let json = r#"{"inner":{"id":1,"tags":["a","b\"c"]},"list":[{"id":2,"tags":[]}],
            "map":{"k":{"id":3,"tags":["x"]}},"kind":"fancy","any":{"free":[1,{"x":null}]}}"#;
        let plain: Outer = serde_json::from_str(json).unwrap();
        assert_eq!(strict(json).unwrap(), plain);
    }

    #[test]
    fn unknown_fields_fail_at_any_depth() {
        let base = r#""list":[],"map":{},"kind":"plain","any":null"#;
        assert!(strict(&format!("{{{base}}}")).is_ok());
        for extra in [r#""extra":1"#, r#""inner":{"id":1,"tags":[],"extra":{}}"#] {
            assert!(strict(&format!("{{{base},{extra}}}")).is_err(), "{extra}");
        }
        let nested = r#"{"list":[{"id":1,"tags":[]},{"id":2,"tags":[],"x":1}],"map":{},"kind":"plain","any":1}"#;
        assert!(strict(nested).is_err());
        let in_map = r#"{"list":[],"map":{"k":{"id":1,"tags":[],"x":1}},"kind":"plain","any":1}"#;
        assert!(strict(in_map).is_err());
    }

    #[test]
    fn structures_are_objects_only() {
        // serde's derived code would read `[1, []]` as `Inner { id: 1, tags: [] }`.
        let base = r#""map":{},"kind":"plain","any":[1,2]"#;
        assert!(strict(&format!(r#"{{"list":[{{"id":1,"tags":[]}}],{base}}}"#)).is_ok());
        for as_array in [
            format!(r#"{{"list":[[1,[]]],{base}}}"#),
            format!(r#"{{"inner":[1,[]],"list":[],{base}}}"#),
            r#"{"list":[],"map":{"k":[3,["x"]]},"kind":"plain","any":1}"#.to_owned(),
        ] {
            assert!(strict(&as_array).is_err(), "{as_array}");
        }
        let mut de = serde_json::Deserializer::from_str("[[1,[]],[],{},\"plain\",null]");
        assert!(Outer::deserialize(Strict(&mut de)).is_err(), "top level");
    }
}
