//! The simulator's "wrong types" damage (`sleeper_sim::damage::wrong_types`,
//! what its `rate_wrong_types` fault serves) against the consumer's
//! projections: every recorded fixture, damaged so, is refused as a shape
//! error, never projected. Here rather than among the consumer's own
//! projection tests because this crate depends on both the simulator and the
//! consumer, so the damage is the simulator's own, not a copy of it.

use sleeper_consumer::project::project;
use sleeper_shared::{Kind, Scope, StreamId};
use sleeper_sim::damage::wrong_types;
use sleeper_tests::harness::events::envelope;
use sleeper_tests::harness::fixture;

use crate::producer::fixture_routes;

#[test]
fn every_fixture_damaged_with_wrong_types_is_a_shape_error() {
    for (name, _, scope) in fixture_routes() {
        let kind = scope.parse::<Scope>().expect("scope").kind();
        match kind {
            Kind::State => continue, // the framework's own projection, covered by its tests
            Kind::UserLeagues | Kind::LeagueDrafts => continue, // discovery: projects nothing
            _ => {}
        }
        let damaged = wrong_types(&fixture(name));
        let r = project(
            StreamId { ms: 1, seq: 0 },
            &envelope(kind, &scope, None, &damaged),
        );
        assert!(
            r.is_err(),
            "{scope}: damaged body was accepted: {}",
            String::from_utf8_lossy(&damaged)
        );
    }
}
