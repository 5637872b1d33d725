# A service provisioned by an Open Service Broker, with the plans of an AOS service package.
resource "catalog_service" "this" {
  deploy_type   = "spi"
  share_type    = var.share_type
  status        = var.status
  supplier_name = var.supplier_name
  tags          = var.tags
  service_infos = [
    {
      locale            = var.locale
      name              = var.name
      short_description = var.short_description
    },
  ]

  broker = {
    url                 = var.broker.url
    username            = var.broker.username
    password_wo         = var.broker_password
    password_wo_version = var.broker_password_version
    service_name        = var.broker.service_name
  }
}

# Each plan is checked by the catalog against the broker's catalog.
resource "catalog_plan" "this" {
  for_each = { for p in provider::catalog::plans_from_yaml(var.plans_yaml) : p.name => p }

  service_id       = catalog_service.this.id
  name             = each.value.name
  description      = each.value.description
  metadata         = each.value.metadata
  blueprint        = each.value.blueprint
  metering_items   = each.value.metering_items
  broker_plan_name = each.value.broker_plan_name
}
