//! One definition per operation: `operation!` makes the free function and the `TrustClient`
//! method of the same name from it, with one doc and one TypeScript signature, so that the two
//! cannot disagree. The body runs with `engine`: the free function's own (npm's config of `cwd`,
//! `process.env`), or the client's (its defaults, connections and OTPs). A panic in the body
//! rejects the Promise (`engine::guarded`) rather than abort the process.
//!
//! Docs are written `#[doc = "..."]`: napi-derive copies a doc attribute's literal into
//! index.d.ts as written, and a `///` comment passed through `macro_rules!` becomes a raw string
//! literal (`r" ..."`), which it would copy with its `r"`.

/// `operation! { #[doc = "..."]* [client] fn name(args): "ts args" -> "ts result" = |engine, env| body }`;
/// `client fn` makes the method only. The calling module imports what the body and the
/// generated code name: napi's prelude, `napi`, `Engine`, `Js` and `TrustClient`.
macro_rules! operation {
    (
        $(#[doc = $doc:tt])*
        client fn $name:ident($($arg:ident),*): $args:tt -> $ret:tt = |$engine:ident, $env:ident| $body:expr
    ) => {
        #[napi]
        impl TrustClient {
            $(#[doc = $doc])*
            #[napi(ts_args_type = $args, ts_return_type = $ret)]
            pub fn $name<'env>(
                &self,
                $env: &'env Env,
                $($arg: Option<Unknown<'env>>),*
            ) -> napi::Result<PromiseRaw<'env, Js>> {
                let $engine = &self.engine;
                $crate::engine::guarded(|| $body, |error| $crate::engine::rejected($env, error))
            }
        }
    };
    (
        $(#[doc = $doc:tt])*
        fn $name:ident($($arg:ident),*): $args:tt -> $ret:tt = |$engine:ident, $env:ident| $body:expr
    ) => {
        $(#[doc = $doc])*
        #[napi(ts_args_type = $args, ts_return_type = $ret)]
        pub fn $name<'env>(
            $env: &'env Env,
            $($arg: Option<Unknown<'env>>),*
        ) -> napi::Result<PromiseRaw<'env, Js>> {
            let body = || {
                let $engine = &Engine::free($env)?;
                $body
            };
            $crate::engine::guarded(body, |error| $crate::engine::rejected($env, error))
        }

        $crate::operation::operation! {
            $(#[doc = $doc])*
            client fn $name($($arg),*): $args -> $ret = |$engine, $env| $body
        }
    };
}

pub(crate) use operation;
