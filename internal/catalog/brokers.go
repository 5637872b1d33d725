package catalog

import (
	"context"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/osb"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// DeployTypeBroker is the DeployType of services whose instances a broker provisions.
const DeployTypeBroker = "spi"

// checkBroker reads the broker's catalog of an spi service and checks that every plan of
// the service (with put, when given, standing for the plan about to be written) maps to a
// plan of the broker's offering: by its BrokerPlanName, or else by its own name. Services
// of other deploy types pass.
func (c *Catalog) checkBroker(ctx context.Context, caller Caller, serviceID string, put *store.Plan) error {
	var broker api.Broker
	var password string
	var plans []store.Plan
	spi := false
	err := c.store.ReadTx(ctx, func(q store.Queries) error {
		svc, _, err := c.loadOwnService(ctx, q, caller, serviceID)
		if err != nil {
			return err
		}
		latest, err := q.GetServiceVersion(ctx, serviceID, svc.LatestVersion)
		if err != nil {
			return storeErr(err, "Service", serviceID)
		}
		if spi = latest.DeployType == DeployTypeBroker; !spi {
			return nil
		}
		if err := decodeJSON(svc.Broker, &broker); err != nil {
			return err
		}
		password = svc.BrokerPassword
		plans, err = q.ListPlans(ctx, serviceID)
		return err
	})
	if err != nil || !spi {
		return err
	}
	if put != nil {
		plans = replacePlan(plans, *put)
	}
	cat, err := c.brokers.GetCatalog(ctx, osb.Broker{URL: broker.Url, Username: broker.Username, Password: password})
	if err != nil {
		return BadGateway("BrokerUnavailable", "the broker at %s could not be read: %v", broker.Url, err)
	}
	offering, err := cat.Service(broker.ServiceName)
	if err != nil {
		return Semantic("BrokerMismatch.ServiceName", "%v", err)
	}
	for _, p := range plans {
		spec, err := decodePlan(p)
		if err != nil {
			return err
		}
		name := spec.BrokerPlanName
		if name == "" {
			name = p.Name
		}
		if _, err := offering.Plan(name); err != nil {
			return Semantic("BrokerMismatch.Plan", "plan %q does not match a plan of the broker: %v; name the plan after a broker plan or set its BrokerPlanName", p.Name, err)
		}
	}
	return nil
}

func replacePlan(plans []store.Plan, p store.Plan) []store.Plan {
	for i := range plans {
		if plans[i].Name == p.Name {
			plans[i] = p
			return plans
		}
	}
	return append(plans, p)
}

// orderableDeployType refuses orders the catalog cannot fulfil: only a broker provisions.
func orderableDeployType(serviceID string, v store.ServiceVersion) error {
	if v.DeployType != DeployTypeBroker {
		return Semantic("ServiceNotOrderable", "service %s has DeployType %q: the catalog provisions instances only through an Open Service Broker (DeployType %q)",
			serviceID, v.DeployType, DeployTypeBroker)
	}
	return nil
}
