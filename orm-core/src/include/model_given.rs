//! `.include(Picture)`: a model where an association handle belongs. `#[derive(Model)]` puts a
//! hidden constant named after the model in the value namespace (a struct with named fields
//! occupies only the type namespace), of type `Include<ModelGiven<Picture>>`, whose `SpecOf`
//! impl requires [`IncludedModel`], which nothing implements: the mistake fails on that bound,
//! with a message saying what to write, instead of rustc's "expected value, found struct".

use std::marker::PhantomData;

use crate::assoc::AssociationMeta;
use crate::include::spec::{AssociationSpec, Include, One, SpecOf};
use crate::model::Model;

/// A model passed where an association belongs: the type of the constant `#[derive(Model)]`
/// names after the model. Never an association: see [`IncludedModel`].
#[derive(Debug)]
pub struct ModelGiven<T>(PhantomData<fn() -> T>);

/// Implemented for nothing: the error of `.include(Picture)` with `Picture` a model.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a model, not an association: `include` takes one of `{M}`'s association handles",
    label = "a model, not an association",
    note = "declare the association on `{M}` (e.g. `#[has_many({Self})]`) and include its handle: `.include({M}::…())`"
)]
pub trait IncludedModel<M>: NotAnAssociation {}

/// Implemented for nothing: a model is not an association. The `AssociationSpec` of
/// [`ModelGiven`] takes everything from here, so that what follows a failed
/// `.include(Picture)` (`.all(db)`) fails on this one bound.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a model, not an association",
    label = "a model, not an association",
    note = "use one of the association handles `#[derive(Model)]` generates (`User::pictures()`)"
)]
pub trait NotAnAssociation {
    /// The declaring model an association would have.
    type Source: Model;
    /// The associated model an association would have.
    type Target: Model;
    /// The association's metadata, which a model does not have.
    fn association_meta() -> &'static AssociationMeta;
}

impl<T: Model + NotAnAssociation> AssociationSpec for ModelGiven<T> {
    type Source = <T as NotAnAssociation>::Source;
    type Target = <T as NotAnAssociation>::Target;
    type Kind = One;
    fn meta() -> &'static AssociationMeta {
        T::association_meta()
    }
}

impl<M, T: Model + IncludedModel<M>> SpecOf<M> for ModelGiven<T> {}

/// The value of the hidden constant `#[derive(Model)]` names after the model.
pub const fn model_given<T>() -> Include<ModelGiven<T>> {
    Include::unchecked()
}
