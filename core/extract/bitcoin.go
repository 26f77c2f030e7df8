package extract

import "crypto/sha256"

// Bitcoin addresses are accepted only with a valid checksum, so random
// base58-looking tokens are not reported.

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

// isBase58Address checks a legacy (P2PKH "1…" or P2SH "3…") address: 25
// bytes whose last four are the first four of SHA-256(SHA-256(payload)).
func isBase58Address(s []byte) bool {
	if len(s) < 26 || len(s) > 35 || (s[0] != '1' && s[0] != '3') {
		return false
	}
	var buf [25]byte
	for _, c := range s {
		v := int(base58Index[c])
		if v < 0 {
			return false
		}
		// buf = buf*58 + v, big-endian
		carry := v
		for i := len(buf) - 1; i >= 0; i-- {
			carry += int(buf[i]) * 58
			buf[i] = byte(carry)
			carry >>= 8
		}
		if carry != 0 {
			return false
		}
	}
	// Leading '1's encode leading zero bytes.
	ones := 0
	for ones < len(s) && s[ones] == '1' {
		ones++
	}
	zeros := 0
	for zeros < len(buf) && buf[zeros] == 0 {
		zeros++
	}
	if ones != zeros {
		return false
	}
	if buf[0] != 0x00 && buf[0] != 0x05 {
		return false
	}
	h1 := sha256.Sum256(buf[:21])
	h2 := sha256.Sum256(h1[:])
	return h2[0] == buf[21] && h2[1] == buf[22] && h2[2] == buf[23] && h2[3] == buf[24]
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// isBech32Address checks a segwit address "bc1…" with the BIP-173 (bech32)
// or BIP-350 (bech32m) checksum.
func isBech32Address(s []byte) bool {
	if len(s) < 14 || len(s) > 74 {
		return false
	}
	hasLower, hasUpper := false, false
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			hasLower = true
		case c >= 'A' && c <= 'Z':
			hasUpper = true
		}
	}
	if hasLower && hasUpper {
		return false
	}
	if lower(s[0]) != 'b' || lower(s[1]) != 'c' || s[2] != '1' {
		return false
	}
	// polymod over hrp expansion then data (BIP-173 reference).
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	step := func(v uint32) {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ v
		for i := 0; i < 5; i++ {
			if (b>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	step(uint32('b') >> 5)
	step(uint32('c') >> 5)
	step(0)
	step(uint32('b') & 31)
	step(uint32('c') & 31)
	for _, c := range s[3:] {
		c = lower(c)
		v := -1
		for i := 0; i < len(bech32Charset); i++ {
			if bech32Charset[i] == c {
				v = i
				break
			}
		}
		if v < 0 {
			return false
		}
		step(uint32(v))
	}
	return chk == 1 || chk == 0x2bc830a3
}
