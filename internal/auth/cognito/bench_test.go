package cognito

import "testing"

func BenchmarkVerifyIDToken(b *testing.B) {
	clock := newClock()
	iss := testIssuer(b, clock.Now, testClient)
	id, _, _, err := iss.Tokens("alice", []string{"admin", "users"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	v := NewVerifier(iss.URL(), iss, []string{testClient}, clock.Now)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(id, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAccessToken(b *testing.B) {
	clock := newClock()
	iss := testIssuer(b, clock.Now, testClient)
	_, access, _, err := iss.Tokens("alice", nil, []string{"pets/read", "pets/write"})
	if err != nil {
		b.Fatal(err)
	}
	v := NewVerifier(iss.URL(), iss, []string{testClient}, clock.Now)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify("Bearer "+access, []string{"pets/write"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	clock := newClock()
	iss := testIssuer(b, clock.Now, testClient)
	id, _, _, _ := iss.Tokens("alice", nil, nil)
	v := NewVerifier(iss.URL(), iss, []string{testClient}, clock.Now)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(id, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerifyRefused is the cost of a garbage token (no RSA work).
func BenchmarkVerifyRefused(b *testing.B) {
	v := NewVerifier("https://x", nil, nil, newClock().Now)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify("eyJhbGciOiJub25lIn0.e30.", nil); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkClaimsForContext(b *testing.B) {
	clock := newClock()
	iss := testIssuer(b, clock.Now, testClient)
	id, _, _, _ := iss.Tokens("alice", []string{"admin", "users"}, nil)
	claims, err := NewVerifier(iss.URL(), iss, nil, clock.Now).Verify(id, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ClaimsForContext(claims)
	}
}

func BenchmarkTokens(b *testing.B) {
	iss := testIssuer(b, newClock().Now, testClient)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := iss.Tokens("alice", []string{"admin"}, []string{"s"}); err != nil {
			b.Fatal(err)
		}
	}
}
