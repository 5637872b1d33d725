output "id" {
  description = "The instance's id (also its id at the broker)."
  value       = catalog_service_instance.this.id
}

output "status" {
  description = "Deployed once the broker has provisioned it."
  value       = catalog_service_instance.this.status
}

output "status_detail" {
  description = "The broker's last word on the instance."
  value       = catalog_service_instance.this.status_detail
}

output "parameters" {
  description = "The parameter values Terraform manages."
  value       = catalog_service_instance.this.parameters
}

output "dashboard_url" {
  description = "The broker's dashboard URL for the instance, or null."
  value       = lookup(catalog_service_instance.this.outputs, "dashboard_url", null)
}

output "metadata" {
  description = "The broker's metadata of the instance (labels and attributes), decoded; null when it returned none."
  value       = can(catalog_service_instance.this.outputs["metadata"]) ? jsondecode(catalog_service_instance.this.outputs["metadata"]) : null
}

output "outputs" {
  description = "Everything the broker returned, as strings (JSON for structured values)."
  value       = catalog_service_instance.this.outputs
}
