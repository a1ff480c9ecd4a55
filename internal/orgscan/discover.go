// Package orgscan runs a per-account job across the accounts of an AWS
// Organization: it discovers the accounts a selection names, opens the right
// credentials for each, and fans out with a bound on concurrency, turning
// any one account's failure into that account's row.
package orgscan

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

type orgAPI interface {
	DescribeOrganization(ctx context.Context, in *organizations.DescribeOrganizationInput, optFns ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	ListAccounts(ctx context.Context, in *organizations.ListAccountsInput, optFns ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
	ListAccountsForParent(ctx context.Context, in *organizations.ListAccountsForParentInput, optFns ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error)
	ListOrganizationalUnitsForParent(ctx context.Context, in *organizations.ListOrganizationalUnitsForParentInput, optFns ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error)
}

var _ orgAPI = (*organizations.Client)(nil)

// Account is one account of the organization.
type Account struct {
	ID     string `json:"account_id"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"`
}

// Selection names the accounts to work on. Org, OUs and Accounts add up;
// Exclude removes.
type Selection struct {
	Org      bool
	OUs      []string
	Accounts []string
	Exclude  []string
}

// Targets are the accounts a selection resolved to.
type Targets struct {
	Management string
	Accounts   []Account // ACTIVE accounts to work on, in discovery order
	Skipped    []Account // accounts that are not ACTIVE (SUSPENDED, PENDING_CLOSURE)
}

// Discover resolves sel against the organization, paginating every list.
// Accounts named with --accounts must belong to the organization.
func Discover(ctx context.Context, client orgAPI, sel Selection) (*Targets, error) {
	return DiscoverEach(ctx, client, sel, nil)
}

// DiscoverEach is Discover that also hands each ACTIVE selected account to
// emit as soon as it is known: page by page while ListAccounts is still
// paginating when the selection is the whole organization (minus
// exclusions), so work on the first accounts overlaps the discovery of
// the rest; at the end otherwise (OUs and named accounts are resolved
// against the full list). Each account is emitted once, in discovery
// order. emit may be nil.
func DiscoverEach(ctx context.Context, client orgAPI, sel Selection, emit func(Account)) (*Targets, error) {
	org, err := client.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, fmt.Errorf("describe the organization: %w", err)
	}
	t := &Targets{Management: aws.ToString(org.Organization.MasterAccountId)}
	seen := map[string]bool{}
	take := func(a Account) {
		if seen[a.ID] || slices.Contains(sel.Exclude, a.ID) {
			return
		}
		seen[a.ID] = true
		if a.Status != string(orgtypes.AccountStatusActive) {
			t.Skipped = append(t.Skipped, a)
			return
		}
		t.Accounts = append(t.Accounts, a)
		if emit != nil {
			emit(a)
		}
	}
	streaming := sel.Org && len(sel.OUs) == 0 && len(sel.Accounts) == 0

	var all []Account
	err = listAccounts(ctx, client, func(page []Account) {
		all = append(all, page...)
		if streaming {
			for _, a := range page {
				take(a)
			}
		}
	})
	if err != nil || streaming {
		return t, err
	}

	byID := make(map[string]Account, len(all))
	for _, a := range all {
		byID[a.ID] = a
	}
	if sel.Org {
		for _, a := range all {
			take(a)
		}
	}
	for _, ou := range sel.OUs {
		accts, err := accountsUnder(ctx, client, ou)
		if err != nil {
			return nil, err
		}
		for _, a := range accts {
			take(a)
		}
	}
	for _, id := range sel.Accounts {
		a, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("account %s is not in organization %s", id, aws.ToString(org.Organization.Id))
		}
		take(a)
	}
	return t, nil
}

func toAccount(a orgtypes.Account) Account {
	return Account{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), Status: string(a.Status)}
}

// listAccounts hands every page of the organization's accounts to onPage.
func listAccounts(ctx context.Context, client orgAPI, onPage func([]Account)) error {
	p := organizations.NewListAccountsPaginator(client, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list the organization's accounts: %w", err)
		}
		accts := make([]Account, len(page.Accounts))
		for i, a := range page.Accounts {
			accts[i] = toAccount(a)
		}
		onPage(accts)
	}
	return nil
}

// accountsUnder returns every account in the OU and its descendant OUs.
func accountsUnder(ctx context.Context, client orgAPI, parent string) ([]Account, error) {
	var out []Account
	ap := organizations.NewListAccountsForParentPaginator(client, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list accounts in %s: %w", parent, err)
		}
		for _, a := range page.Accounts {
			out = append(out, toAccount(a))
		}
	}
	op := organizations.NewListOrganizationalUnitsForParentPaginator(client, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
	for op.HasMorePages() {
		page, err := op.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list organizational units in %s: %w", parent, err)
		}
		for _, ou := range page.OrganizationalUnits {
			sub, err := accountsUnder(ctx, client, aws.ToString(ou.Id))
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
	}
	return out, nil
}
