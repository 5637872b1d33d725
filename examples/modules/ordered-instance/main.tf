# An instance of a service, provisioned by the service's broker. Terraform waits until it is
# Deployed, and fails with the broker's own words if it is not.
resource "catalog_service_instance" "this" {
  name            = var.name
  service_id      = var.service_id
  service_version = var.service_version
  plan_name       = var.plan_name
  parameters      = var.parameters
  tags            = var.tags

  timeouts = {
    create = var.create_timeout
  }
}
