package registry_test

import (
	"errors"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// TestPrincipalNames is S4: token names are principals, so a name that
// reads as a role, a control or bidi character, a reserved name or a
// case variant of an existing name is refused.
func TestPrincipalNames(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := t.Context()
	if _, _, err := s.CreateToken(ctx, admin, registry.Token{Name: "bob", Role: registry.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"role:admin", "role:reviewer", "bob\nrole:admin", "eve\u202enimda", "\u202eadmin", "a b", "system", "SYSTEM",
		"", "-lead", "tab\t", "caf\u00e9", "аlice" /* Cyrillic а */, "bob\x00"} {
		if _, _, err := s.CreateToken(ctx, admin, registry.Token{Name: name, Role: registry.RoleReviewer}); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("token name %q: %v, want ErrInvalid", name, err)
		}
	}
	for _, name := range []string{"Bob", "BOB"} {
		if _, _, err := s.CreateToken(ctx, admin, registry.Token{Name: name, Role: registry.RoleReviewer}); !errors.Is(err, registry.ErrExists) {
			t.Errorf("token name %q next to bob: %v, want ErrExists", name, err)
		}
	}
	// Owners and approvers are validated the same way.
	for _, p := range []string{"bob\n", "\u202ebob", "role:root"} {
		_, err := s.SetGovernance(ctx, admin, "m-none", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{registry.RespApprove: {p}}})
		if !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("owner %q: %v, want ErrInvalid", p, err)
		}
	}
}

// TestRoleEntryMatchesRoleOnly: an approver list entry role:admin admits
// admins only, never a principal whose name is "role:admin" (a token
// stored before names were validated).
func TestRoleEntryMatchesRoleOnly(t *testing.T) {
	t.Parallel()
	s := govService(t, "")
	setup(t, s)
	ctx := t.Context()
	if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{registry.RespApprove: {"role:admin"}}}); err != nil {
		t.Fatal(err)
	}
	d, err := s.RequestDecision(ctx, maintainer, "m", 1, registry.NewRequest{Action: registry.ActionPromote, Rationale: "ready"})
	if err != nil {
		t.Fatal(err)
	}
	spoof := registry.Actor{Name: "token:7:role:admin", Person: "role:admin", Role: registry.RoleReviewer}
	if _, err := s.Approve(ctx, spoof, d.ID, "I am role:admin"); !errors.Is(err, registry.ErrForbidden) {
		t.Fatalf("a reviewer whose name is role:admin approved: %v", err)
	}
}

// TestTwoTokensOfOnePerson is issue 13 point 6: a person's second token
// says whose it is, and two tokens of one person never approve each
// other's request; a name never means two people.
func TestTwoTokensOfOnePerson(t *testing.T) {
	t.Parallel()
	s := govService(t, "")
	setup(t, s)
	ctx := t.Context()
	mk := func(tok registry.Token) (registry.Token, registry.Actor) {
		t.Helper()
		got, secret, err := s.CreateToken(ctx, admin, tok)
		if err != nil {
			t.Fatalf("%+v: %v", tok, err)
		}
		a, err := s.Authenticate(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		return got, a
	}
	_, alice := mk(registry.Token{Name: "alice", Role: registry.RoleMaintainer})
	ci, aliceCI := mk(registry.Token{Name: "alice-ci", Person: "ALICE", Role: registry.RoleReviewer})
	if ci.Person != "alice" || aliceCI.Principal() != "alice" {
		t.Fatalf("second token of alice: person %q, principal %q", ci.Person, aliceCI.Principal())
	}
	_, carol := mk(registry.Token{Name: "carol", Role: registry.RoleReviewer})
	if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{registry.RespApprove: {"alice", "carol"}}}); err != nil {
		t.Fatal(err)
	}
	d, err := s.RequestDecision(ctx, alice, "m", 1, registry.NewRequest{Action: registry.ActionPromote, Rationale: "ready"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, aliceCI, d.ID, "me again"); !errors.Is(err, registry.ErrForbidden) {
		t.Fatalf("alice's second token approved alice's request: %v", err)
	}
	if d, err = s.Approve(ctx, carol, d.ID, "ok"); err != nil || d.Status != registry.RequestExecuted {
		t.Fatalf("carol approves: %+v %v", d, err)
	}
	// A token named bob of person alice makes "bob" alice's: nobody else
	// may be person bob, and a token named like a person belongs to them.
	mk(registry.Token{Name: "bob", Person: "alice", Role: registry.RoleReviewer})
	for _, bad := range []registry.Token{
		{Name: "dave", Person: "bob", Role: registry.RoleReviewer},
		{Name: "Carol", Role: registry.RoleReviewer},
		{Name: "carol2", Person: "alice-ci", Role: registry.RoleReviewer},
	} {
		if _, _, err := s.CreateToken(ctx, admin, bad); !errors.Is(err, registry.ErrExists) {
			t.Errorf("%+v: %v, want ErrExists", bad, err)
		}
	}
	// A token named after an existing person without --person is that person.
	tok, _ := mk(registry.Token{Name: "Carol-laptop", Person: "Carol", Role: registry.RoleReviewer})
	if tok.Person != "carol" {
		t.Errorf("person spelled %q, want the existing carol", tok.Person)
	}
}
