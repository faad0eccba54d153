rule u_twice { strings: $a = "randomx-v2" condition: #a >= 2 }
rule u_nocase { strings: $a = "StRaTuM+TcP" nocase condition: $a }
rule u_wide { strings: $a = "xmrig.json" wide ascii condition: $a }
rule u_regex { strings: $a = /--algo[ =](rx\/0|cn\/r)+x{2,3}(ab|cd)?/ condition: $a at 3 }
rule u_hex { strings: $a = { 6d 69 6e 65 72 ( 2e | 5f ) 63 66 67 [2-4] 61 ?? 62 } condition: $a in (0..100) }
rule u_two_of { strings: $a = "alpha-one" $b = "beta-two" xor $c = /gam+a-three/ nocase condition: 2 of them }
private rule u_priv { strings: $a = "deltafour" fullword condition: $a }
rule u_ref { condition: u_priv and filesize > 10 }
rule u_sets { condition: any of (u_ref, u_priv) }
rule u_cron { strings: $c = /\*\/[0-9]{1,2}( \*){4} [^\n]{0,20}(curl|wget)/ condition: $c }
