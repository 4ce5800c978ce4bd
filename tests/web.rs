//! Component tests in a real browser (wasm-bindgen-test in headless Chromium). They run the
//! engine in the page (the `engine-in-page` feature): the release build's worker is not built
//! here.
#![cfg(target_arch = "wasm32")]

use headroom::App;
use leptos::{prelude::*, task::tick, wasm_bindgen::JsCast};
use wasm_bindgen_test::*;
use web_sys::{Element, Event, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// The app mounted into a fresh wrapper; dropping it unmounts the app (stopping its
/// animation loop) and removes the wrapper.
struct Mounted {
    root: Element,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

impl std::ops::Deref for Mounted {
    type Target = Element;
    fn deref(&self) -> &Element {
        &self.root
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

fn mount_app() -> Mounted {
    headroom::chart_painter::draw_in_place(draw_here);
    mount_app_as_set()
}

/// The app mounted, its charts drawn wherever they were last set to be.
fn mount_app_as_set() -> Mounted {
    // Every app opens where the address says: start each from a bare address, not from where
    // the last test's app left it.
    let window = web_sys::window().unwrap();
    let path = window.location().pathname().unwrap();
    window
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path))
        .unwrap();
    let document = document();
    let root = document.create_element("section").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), || App().into_any());
    // The simulation runs while its diagram is in view. These tests run without the page's
    // stylesheet, where the diagram comes far down the page: look at it, as a learner does.
    if let Some(diagram) = root.query_selector("figure.diagram").unwrap() {
        diagram.scroll_into_view();
    }
    Mounted {
        root,
        _handle: handle,
    }
}

/// Lets the browser run for `ms` milliseconds (animation frames included).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Lets a change travel to the engine and its reading back into the page: a few reactive
/// ticks and a moment for the effects.
async fn settle() {
    for _ in 0..4 {
        tick().await;
    }
    sleep(20).await;
    tick().await;
}

fn by_testid(root: &Element, id: &str) -> Element {
    root.query_selector(&format!("[data-testid='{id}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element with data-testid {id}"))
}

fn text(root: &Element, id: &str) -> String {
    by_testid(root, id).text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn moving_the_users_slider_changes_the_offered_load() {
    let root = mount_app();
    let slider: HtmlInputElement = by_testid(&root, "users-slider").unchecked_into();
    let load_before = text(&root, "offered-load");
    assert_eq!(text(&root, "users-value"), "300 users");
    // 300 users * 300 requests a day / 86,400 s * peak factor 3, less the 55% of static files
    // times the 40% the browser's cache answers: 3.125 * 0.78.
    assert_eq!(load_before, "2.44");

    slider.set_value("100"); // 10^(1 + 100/20) = 1,000,000 users
    slider
        .dispatch_event(&Event::new("input").unwrap())
        .unwrap();
    settle().await;

    assert_eq!(text(&root, "users-value"), "1,000,000 users");
    assert_eq!(
        slider.get_attribute("aria-valuetext").as_deref(),
        Some("1,000,000 users")
    );
    assert_eq!(text(&root, "offered-load"), "8,125");
}

#[wasm_bindgen_test]
async fn the_stepper_lists_seven_stages_and_switches_on_click_and_arrow_keys() {
    let root = mount_app();
    let steps = root
        .query_selector_all("[data-testid='stage-step']")
        .unwrap();
    assert_eq!(steps.length(), 7);
    let step = |i: u32| -> HtmlElement { steps.item(i).unwrap().unchecked_into() };
    let current = |i: u32| step(i).get_attribute("aria-current").as_deref() == Some("step");
    assert!(current(0));

    step(3).click();
    settle().await;
    assert!(current(3) && !current(0));

    let init = web_sys::KeyboardEventInit::new();
    init.set_key("ArrowRight");
    init.set_bubbles(true);
    let key = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    step(3).dispatch_event(&key).unwrap();
    settle().await;
    assert!(current(4) && !current(3));
}

/// The engine in wasm32 produces exactly the bytes it produces natively: the fingerprint of
/// the same reference run the engine's native test checks.
#[wasm_bindgen_test]
fn the_engine_gives_the_same_numbers_in_the_browser() {
    use headroom_engine::run::{fingerprint, run_stage};
    use headroom_engine::scenario::Scenario;
    let golden = include_str!("../engine/tests/golden-fingerprint.txt").trim();
    let run = run_stage(&Scenario::for_stage(7, 30_000.0), 42, 10.0);
    assert_eq!(format!("{:016x}", fingerprint(&run)), golden);
}

#[wasm_bindgen_test]
async fn the_story_and_the_cost_follow_the_stage_and_the_users() {
    let root = mount_app();
    let title = || {
        root.query_selector("#stage-title")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
    };
    assert_eq!(title(), "Stage 1: Everything on one machine");
    let one_vm = text(&root, "cost-total");

    let steps = root
        .query_selector_all("[data-testid='stage-step']")
        .unwrap();
    let step5: HtmlElement = steps.item(4).unwrap().unchecked_into();
    step5.click();
    settle().await;
    assert!(title().starts_with("Stage 5: "), "{}", title());
    let five = text(&root, "cost-total");
    assert_ne!(
        five, one_vm,
        "a cache, a CDN and three app servers cost more than one VM"
    );

    let slider: HtmlInputElement = by_testid(&root, "users-slider").unchecked_into();
    slider.set_value("100");
    slider
        .dispatch_event(&Event::new("input").unwrap())
        .unwrap();
    // The cost follows the traffic the engine measures served: give it a moment of it.
    sleep(1_500).await;
    assert_ne!(text(&root, "cost-total"), five, "traffic costs money");

    let next: HtmlElement = by_testid(&root, "next-step").unchecked_into();
    next.click();
    settle().await;
    assert!(title().starts_with("Stage 6: "), "{}", title());
}

#[wasm_bindgen_test]
async fn the_diagram_shows_the_running_system_and_turns_red_when_it_saturates() {
    let root = mount_app();
    let diagram = by_testid(&root, "diagram");
    let nodes = diagram.query_selector_all("g.node").unwrap();
    assert!(
        nodes.length() >= 4,
        "users, web + app, database, third party, cron"
    );
    let app = || {
        by_testid(&root, "diagram")
            .query_selector("g.node[data-node='app1']")
            .unwrap()
            .unwrap()
    };
    let state = || {
        app()
            .query_selector(".node-state")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
    };

    // One VM has no metrics yet: the state of each part is unknown.
    sleep(300).await;
    assert_eq!(state(), "???");

    // Stage 3 has metrics; 320,000 users are far past one app box's CPU.
    let steps = root
        .query_selector_all("[data-testid='stage-step']")
        .unwrap();
    steps
        .item(2)
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    let slider: HtmlInputElement = by_testid(&root, "users-slider").unchecked_into();
    slider.set_value("90");
    slider
        .dispatch_event(&Event::new("input").unwrap())
        .unwrap();
    // The engine runs within its frame budget, so at this load the simulated clock may run
    // slower than the wall clock: wait (up to 30 s) for the live rules to name the failure.
    let scene = || {
        app()
            .query_selector("[data-testid='scene-label']")
            .unwrap()
            .map(|e| e.text_content().unwrap_or_default())
    };
    for _ in 0..60 {
        if scene().is_some() {
            break;
        }
        sleep(500).await;
    }

    let dots = by_testid(&root, "dots-page")
        .get_attribute("d")
        .unwrap_or_default()
        .matches('M')
        .count();
    assert!(dots > 10, "requests drawn: {dots}");
    assert!(
        app().class_list().contains("hot"),
        "the app tier is saturated"
    );
    // Its state reads its busiest servers, full, and under them the requests waiting.
    let pressure = app()
        .query_selector(".node-pressure")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(pressure.contains(" waiting"), "{} / {pressure}", state());
    // The engine names the failure: its scene labels the app server with the measured CPU,
    // and the panel explains it and points to the stage that fixes it.
    assert!(
        scene().is_some_and(|s| s.starts_with("CPU 9") || s == "CPU 100%"),
        "{:?}",
        scene()
    );
    assert_eq!(
        by_testid(&root, "what-breaks-title")
            .get_attribute("data-code")
            .as_deref(),
        Some("app_saturated")
    );
    assert!(text(&root, "what-breaks-next").contains("stage 4"));
    let crosses = by_testid(&root, "dots-error")
        .get_attribute("d")
        .unwrap_or_default()
        .matches('M')
        .count();
    assert!(crosses > 0, "failed requests are marked");
}

#[wasm_bindgen_test]
async fn a_knob_slider_changes_the_running_engine() {
    let root = mount_app();
    let steps = root
        .query_selector_all("[data-testid='stage-step']")
        .unwrap();
    steps
        .item(6)
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    settle().await;
    // The drawn replicas' names: a shard's replicas share one pool when there are more than
    // four in all.
    let replicas = || {
        let nodes = by_testid(&root, "diagram")
            .query_selector_all("g.node[data-node^='replica'] .node-label")
            .unwrap();
        (0..nodes.length())
            .filter_map(|i| nodes.item(i)?.text_content())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        replicas(),
        [
            "Replicas 1A–1B",
            "Replicas 2A–2B",
            "Replicas 3A–3B",
            "Replicas 4A–4B"
        ],
        "stage 7's default: two replicas for each of four shards"
    );
    let slider: HtmlInputElement = by_testid(&root, "knob-replicas").unchecked_into();
    slider.set_value("1");
    slider
        .dispatch_event(&Event::new("input").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(
        replicas(),
        ["Replica 1A", "Replica 2A", "Replica 3A", "Replica 4A"],
        "the engine rebuilt the system with one replica for each shard"
    );
    assert_eq!(text(&root, "knob-replicas-value"), "1 replica");
    assert_eq!(
        slider.get_attribute("aria-valuetext").as_deref(),
        Some("1 replica")
    );
    // A knob with nothing to change at a stage is not offered there.
    steps
        .item(1)
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    settle().await;
    assert!(root
        .query_selector("[data-testid='knob-replicas']")
        .unwrap()
        .is_none());
    assert!(text(&root, "later-knobs").contains("read replicas (stage 7)"));
}

#[wasm_bindgen_test]
async fn a_deploy_on_a_single_app_box_takes_the_site_down() {
    let root = mount_app();
    let steps = root
        .query_selector_all("[data-testid='stage-step']")
        .unwrap();
    steps
        .item(2)
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(300).await;
    let app_is_red = || {
        by_testid(&root, "diagram")
            .query_selector("g.node[data-node='app1']")
            .unwrap()
            .unwrap()
            .class_list()
            .contains("hot")
    };
    assert!(!app_is_red(), "300 users are no trouble for stage 3");
    by_testid(&root, "fault-deploy")
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(300).await;
    assert!(app_is_red(), "the only app server is restarting");
}

/// A component mounted on its own into a fresh wrapper.
fn mount_view<V: IntoView + 'static>(f: impl FnOnce() -> V + 'static) -> Mounted {
    let document = document();
    let root = document.create_element("section").unwrap();
    root.set_attribute("style", "width: 600px").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || f().into_any());
    Mounted {
        root,
        _handle: handle,
    }
}

/// Draws a chart's numbers in the test's own thread: these tests run without the chart
/// worker's files, and this is the worker's own drawing code.
fn draw_here(numbers: &[f64]) -> headroom::charts::drawing::Picture {
    use headroom::charts::drawing::{Drawing, Painter};
    Drawing::decode(numbers)
        .map(|d| Painter::new().paint(&d))
        .unwrap_or_default()
}

/// A chart mounted and scrolled into view (charts are drawn only near the view).
async fn mount_chart<V: IntoView + 'static>(f: impl FnOnce() -> V + 'static) -> Mounted {
    headroom::chart_painter::draw_in_place(draw_here);
    let root = mount_view(f);
    root.scroll_into_view();
    sleep(100).await;
    root
}

/// Lets a chart's drawing go through: the effect that asks for it, then the view that shows it.
async fn drawn_soon() {
    sleep(50).await;
}

/// The texts of a chart's SVG, each with its rendered width in pixels.
fn chart_texts(root: &Element, testid: &str) -> Vec<(String, f64)> {
    let chart = by_testid(root, testid);
    assert!(
        chart.query_selector("svg").unwrap().is_some(),
        "{testid} drew no svg"
    );
    let texts = chart.query_selector_all("svg text").unwrap();
    (0..texts.length())
        .map(|i| {
            let t: Element = texts.item(i).unwrap().unchecked_into();
            let text = t.text_content().unwrap_or_default().trim().to_owned();
            (text, t.get_bounding_client_rect().width())
        })
        .collect()
}

fn drawn(texts: &[(String, f64)], label: &str) -> bool {
    texts.iter().any(|(t, w)| t == label && *w > 0.0)
}

#[wasm_bindgen_test]
async fn the_latency_chart_draws_labelled_axes_and_follows_the_users() {
    use headroom::components::LatencyChart;
    use headroom::knobs::Settings;
    use headroom_engine::StageId;
    let settings = RwSignal::new(Settings {
        stage: StageId::Observe,
        users: 1_000.0,
        ..Settings::default()
    });
    let root = mount_chart(move || view! { <LatencyChart settings=settings/> }).await;
    drawn_soon().await;
    let texts = chart_texts(&root, "latency-chart");
    for label in [
        "Daily active users (log scale)",
        "p95 latency (log scale)",
        "1K",
        "10M",
        "100 ms",
        "Stage 3 (this stage)",
        "Stage 4 (next stage)",
        "1K users",
    ] {
        assert!(drawn(&texts, label), "{label:?} not drawn: {texts:?}");
    }
    assert!(texts.iter().any(|(t, _)| t.starts_with("stage 3 fails ≈ ")));
    let figure = by_testid(&root, "latency-chart");
    let canvas = figure.query_selector("[role='img']").unwrap().unwrap();
    let label = canvas.get_attribute("aria-label").unwrap();
    assert!(
        label.contains("Stage 3 is predicted to fail at about"),
        "{label}"
    );

    settings.update(|s| s.users = 100_000.0);
    drawn_soon().await;
    let texts = chart_texts(&root, "latency-chart");
    assert!(drawn(&texts, "100K users"), "{texts:?}");
}

#[wasm_bindgen_test]
async fn the_cost_chart_draws_every_stage_and_the_current_cost() {
    use headroom::components::CostChart;
    use headroom_engine::StageId;
    let stage = RwSignal::new(StageId::OneVm);
    // (Where stage 1 still serves: past its limit the chart names the limit, not a price.)
    let users = RwSignal::new(500.0);
    let root = mount_chart(move || view! { <CostChart stage=stage users=users/> }).await;
    drawn_soon().await;
    let texts = chart_texts(&root, "cost-chart");
    for label in ["USD a month (log scale)", "Stage 1 (this stage)", "7"] {
        assert!(drawn(&texts, label), "{label:?} not drawn: {texts:?}");
    }
    assert!(texts.iter().any(|(t, _)| t.ends_with("/month")));
}

#[wasm_bindgen_test]
async fn the_timeline_keeps_a_point_a_simulated_second() {
    use headroom::components::TimelineChart;
    use headroom_engine::live::Engine;
    use headroom_engine::scenario::Scenario;
    let reading = RwSignal::new(None);
    let root = mount_chart(move || view! { <TimelineChart reading=reading settings=""/> }).await;
    let mut engine = Engine::new(&Scenario::for_stage(3, 10_000.0), 1);
    // Eight readings a simulated second from 0.125 s to 5 s: six seconds, six points a panel.
    for i in 1..=40 {
        engine.step_until(f64::from(i) * 0.125);
        reading.set(Some(engine.read()));
        settle().await;
    }
    drawn_soon().await;
    let texts = chart_texts(&root, "timeline-chart");
    for label in [
        "Throughput (req/s)",
        "p95 latency",
        "Errors (% of requests)",
        "Simulated time (s)",
    ] {
        assert!(drawn(&texts, label), "{label:?} not drawn: {texts:?}");
    }
    let dots = by_testid(&root, "timeline-chart")
        .query_selector_all("svg circle")
        .unwrap()
        .length();
    assert_eq!(dots, 3 * 6);
    // A new simulation starts the timeline over.
    let mut fresh = Engine::new(&Scenario::for_stage(4, 10_000.0), 1);
    fresh.step_until(0.5);
    reading.set(Some(fresh.read()));
    drawn_soon().await;
    let dots = by_testid(&root, "timeline-chart")
        .query_selector_all("svg circle")
        .unwrap()
        .length();
    assert_eq!(dots, 3);
}

/// A keydown on `target` as the browser would send it, bubbling up to the window.
fn press_key(target: &Element, key: &str, ctrl: bool) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_ctrl_key(ctrl);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&ev).unwrap();
}

#[wasm_bindgen_test]
async fn shortcuts_play_step_reset_and_leave_fields_and_buttons_their_keys() {
    let root = mount_app();
    let body: Element = document().body().unwrap().into();
    let current = || {
        root.query_selector("[data-testid='stage-step'][aria-current='step']")
            .unwrap()
            .unwrap()
            .id()
    };
    assert_eq!(text(&root, "play-pause"), "Pause");
    press_key(&body, " ", false);
    settle().await;
    assert_eq!(text(&root, "play-pause"), "Play", "Space pauses");
    // A focused button's own Space is left to it: the shortcut does not toggle as well.
    press_key(&by_testid(&root, "play-pause"), " ", false);
    settle().await;
    assert_eq!(text(&root, "play-pause"), "Play");

    press_key(&body, "ArrowRight", false);
    press_key(&body, "ArrowRight", false);
    settle().await;
    assert_eq!(current(), "stage-step-3");
    press_key(&body, "ArrowLeft", false);
    settle().await;
    assert_eq!(current(), "stage-step-2");
    // On the users slider the arrows are the slider's, and in the seed field keys are typed.
    let slider = root.query_selector("input[type='range']").unwrap().unwrap();
    press_key(&slider, "ArrowRight", false);
    press_key(&by_testid(&root, "seed"), "r", false);
    settle().await;
    assert_eq!(current(), "stage-step-2");
    // Ctrl+R belongs to the browser; R alone resets.
    press_key(&body, "r", true);
    settle().await;
    assert_eq!(current(), "stage-step-2");
    press_key(&body, "r", false);
    settle().await;
    assert_eq!(current(), "stage-step-1");
    assert_eq!(text(&root, "play-pause"), "Pause", "reset plays again");
}

#[wasm_bindgen_test]
async fn the_keyboard_help_opens_from_its_button_and_from_the_question_mark() {
    let root = mount_app();
    let dialog: web_sys::HtmlDialogElement = by_testid(&root, "keyboard-help").unchecked_into();
    assert!(!dialog.open());
    let stage_2: HtmlElement = root
        .query_selector("#stage-step-2")
        .unwrap()
        .unwrap()
        .unchecked_into();
    stage_2.click();
    settle().await;
    let opener: HtmlElement = by_testid(&root, "keyboard-help-open").unchecked_into();
    opener.focus().unwrap();
    opener.click();
    settle().await;
    assert!(dialog.open(), "the button opens it");
    let heading = dialog.query_selector("h2").unwrap().unwrap();
    assert_eq!(heading.text_content().unwrap(), "Keyboard shortcuts");
    assert_eq!(
        dialog.get_attribute("aria-labelledby").as_deref(),
        Some(heading.id().as_str())
    );
    let rows = dialog.query_selector_all("tbody tr").unwrap();
    assert_eq!(rows.length() as usize, headroom::shortcuts::SHORTCUTS.len());
    // Keys pressed inside the dialog are not shortcuts: R does not reset the page behind it.
    press_key(&by_testid(&root, "keyboard-help-close"), "r", false);
    settle().await;
    assert_eq!(
        stage_2.get_attribute("aria-current").as_deref(),
        Some("step")
    );
    by_testid(&root, "keyboard-help-close")
        .unchecked_into::<HtmlElement>()
        .click();
    settle().await;
    assert!(!dialog.open(), "the close button closes it");
    let focused = document().active_element().unwrap();
    assert!(focused.is_same_node(Some(&opener)), "the focus goes back");

    press_key(&document().body().unwrap(), "?", false);
    settle().await;
    assert!(dialog.open(), "? opens it");
    dialog.close();
    settle().await;
    // Closed by the browser (as Escape does), it opens again on the next ?.
    press_key(&document().body().unwrap(), "?", false);
    settle().await;
    assert!(dialog.open());
    dialog.close();
}

/// A stand-in for the chart worker (these tests run without the built one), as a `blob:` URL:
/// it says it is ready, then answers every drawing with the same small picture.
fn stand_in_chart_worker() -> String {
    let source = r#"onmessage = (e) => postMessage([e.data[0], "<svg data-stand-in></svg>", "A stand-in."]);
postMessage("ready");"#;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let parts = js_sys::Array::of1(&source.into());
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    web_sys::Url::create_object_url_with_blob(&blob).unwrap()
}

/// The size of this wasm instance's memory, bytes (it grows and never shrinks).
fn wasm_memory_bytes() -> u32 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
}

/// The page's JavaScript heap in use, bytes, where the browser tells (Chromium's
/// `performance.memory`, coarse unless precise memory info is on).
fn js_heap_bytes() -> Option<f64> {
    let performance = web_sys::window()?.performance()?;
    let memory = js_sys::Reflect::get(&performance, &"memory".into()).ok()?;
    js_sys::Reflect::get(&memory, &"usedJSHeapSize".into())
        .ok()?
        .as_f64()
}

/// The charts show the stand-in worker's picture.
fn drawn_by_stand_in(root: &Element) -> bool {
    root.query_selector("[data-testid='latency-chart'] svg[data-stand-in]")
        .unwrap()
        .is_some()
}

#[wasm_bindgen_test]
async fn mounting_and_unmounting_the_app_50_times_leaves_no_hook_behind() {
    use headroom::live_hooks::counts;
    const MOUNTS: usize = 50;
    let worker_url = stand_in_chart_worker();
    let before = counts();
    let mut memory = Vec::with_capacity(MOUNTS);
    let mut heap = Vec::with_capacity(MOUNTS);
    for mount in 1..=MOUNTS {
        headroom::chart_painter::draw_in_worker(worker_url.clone());
        let root = mount_app_as_set();
        // A few frames of the simulation, then the charts come into view and start their worker.
        sleep(50).await;
        let running = counts();
        by_testid(&root, "latency-chart").scroll_into_view();
        for _ in 0..100 {
            sleep(20).await;
            if drawn_by_stand_in(&root) {
                break;
            }
        }
        let drawing = counts();
        if mount == 1 {
            console_log!(
                "live hooks before mounting: {before:?}; the app running: {running:?}; its \
                 charts drawn: {drawing:?}"
            );
            // Every kind is counted: the app holds some of each (the address waits to be
            // written for a moment after it opens).
            assert!(running.frames > before.frames, "{running:?}");
            assert!(running.listeners > before.listeners, "{running:?}");
            assert!(running.observers > before.observers, "{running:?}");
            assert!(running.timeouts > before.timeouts, "{running:?}");
        }
        // The charts' worker starts again with every app, and draws.
        assert_eq!(drawing.workers, before.workers + 1, "mount {mount}");
        assert!(drawn_by_stand_in(&root), "mount {mount}: no chart drawn");
        drop(root);
        let after = counts();
        assert_eq!(after, before, "what was left after unmount {mount}");
        tick().await;
        memory.push(wasm_memory_bytes());
        heap.extend(js_heap_bytes());
    }
    headroom::chart_painter::draw_in_place(draw_here);
    web_sys::Url::revoke_object_url(&worker_url).unwrap();

    let (first, tenth, last) = (memory[0], memory[9], memory[MOUNTS - 1]);
    console_log!(
        "wasm memory after unmount 1: {first} B, 10: {tenth} B, {MOUNTS}: {last} B; live hooks \
         after each unmount: {before:?}"
    );
    if let (Some(h1), Some(h10), Some(hl)) = (heap.first(), heap.get(9), heap.last()) {
        console_log!("JS heap used after unmount 1: {h1} B, 10: {h10} B, {MOUNTS}: {hl} B");
    }
    // Wasm memory never shrinks: once nothing piles up it stops growing.
    assert!(
        f64::from(last) <= f64::from(tenth) * 1.1,
        "wasm memory grew from {tenth} B after 10 mounts to {last} B after {MOUNTS}"
    );
}
