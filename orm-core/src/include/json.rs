//! With the `serde` feature, a loaded row serialises like Sequelize's `toJSON()`: the model's
//! fields, then each included association under its alias (an array for plural associations,
//! an object or `null` for singular ones), a belongs_to_many target carrying its join row under
//! the join model's name.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::model::Model;

use super::spec::{AssociationSpec, LoadKind, Loaded, Many, ManyToMany, One, Polymorphic};

/// A loaded list that writes its associations as entries of a map.
pub trait LoadedEntries {
    /// Writes one entry per included association.
    fn entries<S: SerializeMap>(&self, map: &mut S) -> Result<(), S::Error>;
}

impl LoadedEntries for () {
    fn entries<S: SerializeMap>(&self, _map: &mut S) -> Result<(), S::Error> {
        Ok(())
    }
}

/// How a kind's container serialises, and under which form of the alias.
pub trait SerializeKind: LoadKind {
    /// Writes the entry `alias: container`.
    fn entry<S: SerializeMap, R: Serialize + Send + Sync>(
        map: &mut S,
        meta: &crate::assoc::AssociationMeta,
        container: &Self::Container<R>,
    ) -> Result<(), S::Error>;
}

impl SerializeKind for Many {
    fn entry<S: SerializeMap, R: Serialize + Send + Sync>(
        map: &mut S,
        meta: &crate::assoc::AssociationMeta,
        container: &Vec<R>,
    ) -> Result<(), S::Error> {
        map.serialize_entry(meta.plural, container)
    }
}

impl SerializeKind for One {
    fn entry<S: SerializeMap, R: Serialize + Send + Sync>(
        map: &mut S,
        meta: &crate::assoc::AssociationMeta,
        container: &Option<R>,
    ) -> Result<(), S::Error> {
        map.serialize_entry(meta.singular, container)
    }
}

impl<J: Model + Serialize> SerializeKind for ManyToMany<J> {
    fn entry<S: SerializeMap, R: Serialize + Send + Sync>(
        map: &mut S,
        meta: &crate::assoc::AssociationMeta,
        container: &Vec<(R, J)>,
    ) -> Result<(), S::Error> {
        let joined: Vec<Joined<'_, R, J>> =
            container.iter().map(|(row, join)| Joined { row, join: JoinEntry(join) }).collect();
        map.serialize_entry(meta.plural, &joined)
    }
}

impl<P: crate::assoc::PolymorphicParent + Serialize> SerializeKind for Polymorphic<P> {
    fn entry<S: SerializeMap, R: Serialize + Send + Sync>(
        map: &mut S,
        meta: &crate::assoc::AssociationMeta,
        container: &Option<P>,
    ) -> Result<(), S::Error> {
        map.serialize_entry(meta.singular, container)
    }
}

impl<A, R, Rest> LoadedEntries for Loaded<A, R, Rest>
where
    A: AssociationSpec,
    A::Kind: SerializeKind,
    R: Serialize + Send + Sync,
    Rest: LoadedEntries,
{
    fn entries<S: SerializeMap>(&self, map: &mut S) -> Result<(), S::Error> {
        A::Kind::entry(map, A::meta(), &self.data)?;
        self.rest.entries(map)
    }
}

/// The loaded list as a map, for flattening.
struct Entries<'a, L>(&'a L);

impl<L: LoadedEntries> Serialize for Entries<'_, L> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.0.entries(&mut map)?;
        map.end()
    }
}

/// A belongs_to_many target with its join row under the join model's name.
#[derive(Serialize)]
#[serde(bound = "R: Serialize, J: Model + Serialize")]
struct Joined<'a, R, J: Model + Serialize> {
    #[serde(flatten)]
    row: &'a R,
    #[serde(flatten)]
    join: JoinEntry<'a, J>,
}

struct JoinEntry<'a, J>(&'a J);

impl<J: Model + Serialize> Serialize for JoinEntry<'_, J> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(J::meta().name, self.0)?;
        map.end()
    }
}

#[derive(Serialize)]
#[serde(bound = "M: Serialize, L: LoadedEntries")]
struct Flat<'a, M, L: LoadedEntries> {
    #[serde(flatten)]
    row: &'a M,
    #[serde(flatten)]
    loaded: Entries<'a, L>,
}

/// Serialises a row and its loaded associations as one object. Generated `…With` types call
/// this.
pub fn serialize_with<S: Serializer, M: Serialize, L: LoadedEntries>(
    row: &M,
    loaded: &L,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    Flat { row, loaded: Entries(loaded) }.serialize(serializer)
}
