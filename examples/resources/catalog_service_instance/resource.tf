resource "catalog_service_instance" "orders" {
  name       = "orders-db"
  service_id = catalog_service.db.id
  plan_name  = catalog_plan.custom.name
  parameters = {
    disk_gb = "20"
    owner   = "team-orders"
  }
  tags = { team = "orders" }

  timeouts = {
    create = "15m"
  }
}

output "orders_db_dashboard" {
  value = catalog_service_instance.orders.outputs["dashboard_url"]
}
