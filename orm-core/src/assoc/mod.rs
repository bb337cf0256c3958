//! Associations: static metadata generated per association, the argument traits of the
//! generated accessors, and the generic accessor implementations they forward to.

mod count;
mod field;
mod many;
mod many_to_many;
mod meta;
mod polymorphic;
mod single;
mod target;
mod write;

#[doc(hidden)]
pub use write::batches as write_batches;

pub use count::{Count, count, count_linked};
pub use field::{
    AnyNull, Ch, DefaultKeyName, Field, FieldName, ForeignKeyOnTarget, HasField, IsUnique, JoinKey, JoinKeyOfField,
    KeyNullability, ScopeOperand, SetNull, TargetForeignKey, TargetKey, UniqueField, UniqueKey,
};
pub(crate) use many::source_key_value as source_key_of;
pub use many::{Related, add_many, create_for, get_many, has_all, remove_many, set_many};
pub(crate) use many_to_many::insert_links_with;
pub use many_to_many::{
    CreateLinked, LinkWrite, Linked, add_linked, create_linked, get_linked, has_linked, remove_linked, set_linked,
};
pub(crate) use meta::push_conditions;
pub use meta::{Association, AssociationKind, AssociationMeta, AssociationStatements, DestroyTargets, ScopeValue};
pub use polymorphic::{
    PolymorphicKey, PolymorphicOf, PolymorphicParent, TypeValue, get_polymorphic, has_polymorphic, load_polymorphic,
    load_variant, polymorphic_key,
};
pub use single::{create_belongs_to, create_has_one, get_belongs_to, get_has_one, set_belongs_to, set_has_one};
pub use target::{IntoOptionalTarget, IntoTarget, IntoTargets, NewRow, NullableForeignKey, TargetRef};
pub(crate) use write::{dedupe, lock_rows};

/// Polls an accessor's running query, started by its first poll: the future of the accessor
/// types that are `Future`s (so that rustc suggests `.await` when one is used without it).
/// `what` names the accessor for the error of a poll after completion.
pub(crate) fn poll_running<T>(
    running: &mut Option<crate::driver::BoxFuture<'_, crate::error::Result<T>>>,
    what: &str,
    cx: &mut std::task::Context<'_>,
) -> std::task::Poll<crate::error::Result<T>> {
    let Some(future) = running.as_mut() else {
        return std::task::Poll::Ready(Err(crate::error::Error::Invalid(format!(
            "{what} was polled after it completed"
        ))));
    };
    let done = std::task::ready!(future.as_mut().poll(cx));
    *running = None;
    std::task::Poll::Ready(done)
}
