//! The diagnosis against real faults: one test per scenario of the fault matrix
//! (`tests/faultmatrix/rig.rs`), each run on the shared rig of `tests/rig` — network namespaces
//! for a home PC, its router, an ISP, the internet and a company with a real ocserv VPN that
//! the PC joins with openconnect. Each test injects its fault into the healthy rig, runs
//! readycheck inside the PC's namespace, restores the rig, and checks that the report names the
//! owner, layer and root cause a network engineer would, in English and in Chinese. The rig is
//! built once, scenarios run one at a time, and the rig is torn down when the test binary exits.
//! Without root or the rig's tools the tests skip, except under CI, where they fail.

#[path = "../faultmatrix/rig.rs"]
mod rig;

use std::sync::Mutex;

use crate::support::*;

/// The rig, built by the first scenario that runs; the mutex also serialises the scenarios.
static RIG: Mutex<Option<Result<rig::Rig, String>>> = Mutex::new(None);

extern "C" fn tear_down_at_exit() {
    let taken = match RIG.lock() {
        Ok(mut g) => g.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    if taken.is_some() {
        drop(taken);
        rig::teardown();
    }
}

#[allow(
    clippy::print_stderr,
    reason = "each scenario shows its row of the matrix"
)]
fn scenario(name: &str) {
    let s = rig::scenario(name).unwrap_or_else(|| panic!("no scenario {name}"));
    if let Some(why) = rig::unavailable() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the rig: {why}"
        );
        skip_note(&why);
        return;
    }
    let bin = bin();
    let judged = {
        let mut guard = RIG.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(rig::Rig::up(&bin, &target_dir()));
            // SAFETY: registers a plain `extern "C" fn` that takes no arguments; it runs once at
            // process exit and only locks a mutex and runs the tear-down script.
            unsafe {
                libc::atexit(tear_down_at_exit);
            }
        }
        let rig = match guard.as_ref() {
            Some(Ok(rig)) => rig,
            Some(Err(e)) => panic!("the rig did not come up: {e}"),
            None => unreachable!(),
        };
        let outcome = rig
            .run(s)
            .unwrap_or_else(|e| panic!("{}: rig error: {e}", s.name));
        rig::judge(s, &outcome)
    };
    eprintln!("{}\n{}", rig::Judgement::header(), judged.row());
    assert!(
        judged.problems.is_empty() && judged.right_en && judged.right_zh,
        "{}: {} — {}",
        s.name,
        s.what,
        judged.problems.join("; ")
    );
}

macro_rules! scenarios {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                scenario($name);
            }
        )*

        /// Every scenario of the table has its test here and its fault in faultlab.sh.
        #[test]
        fn every_scenario_has_a_test_and_a_fault() {
            let tested = [$($name),*];
            let table: Vec<&str> = rig::SCENARIOS.iter().map(|s| s.name).collect();
            assert_eq!(tested.to_vec(), table);
            let out = std::process::Command::new("bash")
                .arg(rig::rig_dir().join("faultlab.sh"))
                .arg("faults")
                .output()
                .expect("run faultlab.sh faults");
            let faults: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
            assert_eq!(faults, table, "faultlab.sh faults and the scenario table differ");
        }
    };
}

scenarios! {
    healthy => "healthy",
    internet_down => "internet-down",
    isp_black_hole => "isp-black-hole",
    home_dns_refused => "home-dns-refused",
    home_dns_servfail => "home-dns-servfail",
    home_dns_silent => "home-dns-silent",
    dns_hijack => "dns-hijack",
    portal_page => "portal-page",
    portal_redirect => "portal-redirect",
    proxy_required => "proxy-required",
    vpn_client_off => "vpn-client-off",
    tunnel_down => "tunnel-down",
    gateway_refused => "gateway-refused",
    gateway_black_hole => "gateway-black-hole",
    gateway_cert_expired => "gateway-cert-expired",
    gateway_cert_wrong_name => "gateway-cert-wrong-name",
    company_dns_down => "company-dns-down",
    intranet_name_missing => "intranet-name-missing",
    intranet_down => "intranet-down",
    order_routing_down => "order-routing-down",
    mtu_black_hole => "mtu-black-hole",
    vendor_region_down => "vendor-region-down",
    vendor_down => "vendor-down",
    home_loss => "home-loss",
    loss_and_region_down => "loss-and-region-down",
    home_latency => "home-latency",
    disk_and_internet_down => "disk-and-internet-down",
}
