// Package orgtree maps an organization's accounts to the organizational unit
// they sit in, as a path of names ("Root/prod/pci"), for reports grouped by
// OU. It walks the OU tree — ListRoots, then ListOrganizationalUnitsForParent
// and ListAccountsForParent per OU — which costs two calls (or pages) per OU
// instead of one ListParents call per account.
package orgtree

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/awserr"
)

type orgAPI interface {
	ListRoots(ctx context.Context, in *organizations.ListRootsInput, optFns ...func(*organizations.Options)) (*organizations.ListRootsOutput, error)
	ListOrganizationalUnitsForParent(ctx context.Context, in *organizations.ListOrganizationalUnitsForParentInput, optFns ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error)
	ListAccountsForParent(ctx context.Context, in *organizations.ListAccountsForParentInput, optFns ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error)
}

var _ orgAPI = (*organizations.Client)(nil)

// concurrency bounds the OUs read at once. Organizations throttles its API
// per account; the SDK's retryer absorbs the occasional Throttling.
const concurrency = 4

// Paths returns every account's OU path. It fails as a whole when any part
// of the tree cannot be read: a partly grouped report would put accounts in
// the wrong group.
func Paths(ctx context.Context, client orgAPI) (map[string]string, error) {
	var roots []struct{ id, name string }
	rp := organizations.NewListRootsPaginator(client, &organizations.ListRootsInput{})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the organization's roots: %w", awserr.Classify(err))
		}
		for _, r := range page.Roots {
			roots = append(roots, struct{ id, name string }{aws.ToString(r.Id), aws.ToString(r.Name)})
		}
	}
	var (
		mu       sync.Mutex
		paths    = map[string]string{}
		firstErr error
		wg       sync.WaitGroup
		slots    = make(chan struct{}, concurrency)
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	var walk func(parent, path string)
	walk = func(parent, path string) {
		defer wg.Done()
		slots <- struct{}{}
		ap := organizations.NewListAccountsForParentPaginator(client, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
		for ap.HasMorePages() {
			page, err := ap.NextPage(ctx)
			if err != nil {
				<-slots
				fail(fmt.Errorf("list the accounts in %s: %w", path, awserr.Classify(err)))
				return
			}
			mu.Lock()
			for _, a := range page.Accounts {
				paths[aws.ToString(a.Id)] = path
			}
			mu.Unlock()
		}
		var children []struct{ id, path string }
		op := organizations.NewListOrganizationalUnitsForParentPaginator(client, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		for op.HasMorePages() {
			page, err := op.NextPage(ctx)
			if err != nil {
				<-slots
				fail(fmt.Errorf("list the OUs in %s: %w", path, awserr.Classify(err)))
				return
			}
			for _, ou := range page.OrganizationalUnits {
				children = append(children, struct{ id, path string }{aws.ToString(ou.Id), path + "/" + aws.ToString(ou.Name)})
			}
		}
		<-slots
		for _, c := range children {
			wg.Add(1)
			go walk(c.id, c.path)
		}
	}
	for _, r := range roots {
		wg.Add(1)
		go walk(r.id, r.name)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return paths, nil
}

// ForReport returns the OU paths for a report, or nil and a note saying why
// the report is not grouped by OU.
func ForReport(ctx context.Context, cfg aws.Config) (map[string]string, string) {
	paths, err := Paths(ctx, organizations.NewFromConfig(cfg))
	if err != nil {
		return nil, "the report is not grouped by OU: " + err.Error()
	}
	return paths, ""
}
