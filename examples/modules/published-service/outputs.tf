output "service_id" {
  description = "The service's id, to order instances of it. Known once the plans exist, so an order that uses it waits for them."
  value       = catalog_service.this.id
  depends_on  = [catalog_plan.this]
}

output "version" {
  description = "The service's current version."
  value       = catalog_service.this.version
}

output "status" {
  description = "The service's status in the catalog (Online, Submitted while admins review a public service, ...)."
  value       = catalog_service.this.service_status
}

output "plans" {
  description = "The plans by name, each with its resolved blueprint and its parameters' names."
  value = { for name, p in catalog_plan.this : name => {
    blueprint_id = p.blueprint_id
    parameters   = p.metadata == null ? [] : sort(keys(p.metadata))
  } }
}
