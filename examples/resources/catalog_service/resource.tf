resource "catalog_service" "db" {
  deploy_type  = "spi"
  service_type = "private"
  service_infos = [
    {
      locale            = "en-US"
      name              = "Team database"
      short_description = "An SQLite database per team"
    },
    {
      locale = "zh-CN"
      name   = "团队数据库"
    },
  ]
  supplier_name = "Platform team"
  tags          = { team = "platform" }

  broker = {
    url                 = "http://127.0.0.1:8090"
    username            = "broker"
    password_wo         = var.broker_password
    password_wo_version = 1
    service_name        = "sample-sqlite"
  }
}

variable "broker_password" {
  type      = string
  sensitive = true
}
