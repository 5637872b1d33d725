variable "name" {
  description = "The instance's name."
  type        = string
}

variable "service_id" {
  description = "The service to order."
  type        = string
}

variable "service_version" {
  description = "The service version to order; null for the service's default version."
  type        = string
  default     = null
}

variable "plan_name" {
  description = "The plan to order."
  type        = string
}

variable "parameters" {
  description = "The purchaser's parameter values (only the plan named custom lets the purchaser set them). Checked at plan time against the plan's rules."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags of the instance."
  type        = map(string)
  default     = {}
}

variable "create_timeout" {
  description = "How long to wait for the broker to deploy the instance."
  type        = string
  default     = "30m"
}
