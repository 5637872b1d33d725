# Publish the Plans of an AOS service package as they are written.
resource "catalog_plan" "from_package" {
  for_each = { for p in provider::catalog::plans_from_yaml(file("${path.module}/plans.yaml")) : p.name => p }

  service_id       = catalog_service.db.id
  name             = each.value.name
  description      = each.value.description
  metadata         = each.value.metadata
  blueprint        = each.value.blueprint
  metering_items   = each.value.metering_items
  broker_plan_name = each.value.broker_plan_name
}
