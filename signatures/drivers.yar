/*
 * drivers.yar - kernel drivers that miners carry. WinRing0 gives user mode
 * MSR access; XMRig writes it out as WinRing0x64.sys to apply its RandomX
 * MSR tweaks. Hardware monitors ship it too, so the driver alone is "low";
 * with a miner in the same file it is "high".
 *
 * Facts: xmrig/xmrig src/hw/msr/Msr_win.cpp ("WinRing0x64.sys", service
 * "WinRing0_1_2_0"); the OpenLibSys WinRing0 device name "\\.\WinRing0_1_2_0".
 */

rule winring0_driver
{
    meta:
        family = "winring0"
        category = "driver"
        severity = "low"
        description = "WinRing0 MSR driver or its loader (also used by hardware monitors)"
    strings:
        $d1 = "WinRing0x64.sys" ascii wide nocase
        $d2 = "WinRing0_1_2_0" ascii wide
        $d3 = "WinRing0.sys" ascii wide nocase
        $d4 = "OpenLibSys" ascii wide
    condition:
        any of them
}

rule winring0_with_miner
{
    meta:
        family = "winring0"
        category = "driver"
        severity = "high"
        description = "A Windows executable carrying the WinRing0 driver together with miner code (XMRig MSR tweak)"
    strings:
        $d1 = "WinRing0x64.sys" ascii wide nocase
        $d2 = "WinRing0_1_2_0" ascii wide
        $m1 = "xmrig" ascii wide nocase
        $m2 = "randomx" ascii wide nocase
        $m3 = "stratum+tcp" ascii wide
        $m4 = "donate-level" ascii wide
        $m5 = "cryptonight" ascii wide nocase
        $m6 = "mining.subscribe" ascii wide
    condition:
        uint16(0) == 0x5a4d and any of ($d*) and 2 of ($m*)
}
