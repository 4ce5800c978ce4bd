//! Running the engine in native tests of the page's logic.

use headroom_engine::live::{Engine, LiveReading};
use headroom_engine::reading::Motion;
use headroom_engine::scenario::Scenario;

use crate::diagram_layout::DiagramLayout;

/// A stage's defaults at `users`, run for `seconds` with readings twice a second as the page
/// takes them: its layout, its last reading and its motion.
pub fn run(stage: u8, users: f64, seconds: f64) -> (DiagramLayout, LiveReading, Motion) {
    let mut engine = Engine::new(&Scenario::for_stage(stage, users), 1);
    engine.set_trail_window(0.6);
    let mut reading = engine.read();
    let mut t = 0.0;
    while t < seconds {
        t += 0.5;
        engine.step_until(t);
        reading = engine.read();
    }
    let mut motion = Motion::default();
    engine.motion_into(&mut motion);
    (DiagramLayout::new(&engine.system(1)), reading, motion)
}
